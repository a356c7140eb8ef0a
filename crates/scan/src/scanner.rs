//! Streaming scans: lines in, matches out, in constant memory, on one core or several.

use crate::indicator::IndicatorSet;
use crate::masks::Isa;
use crate::matcher::match_block_counting;
pub use crate::matcher::{match_block, match_line};
use std::io::{self, Read};
use std::sync::{mpsc, Arc, Mutex};

/// One match: where, what was seen, and which indicator it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// 1-based line number.
    pub line: u64,
    /// The token as it appears in the log.
    pub value: String,
    /// Index into the [`IndicatorSet`].
    pub indicator: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Worker threads; 1 scans on the calling thread.
    pub threads: usize,
    /// Bytes per block handed to a worker (whole lines; a longer line makes a longer block).
    pub block_size: usize,
    /// The byte classifier; `None` for the fastest this processor has (benchmarks compare).
    pub classifier: Option<Isa>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: 1,
            block_size: 1 << 20,
            classifier: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanSummary {
    pub bytes: u64,
    pub lines: u64,
    pub matches: u64,
}

/// Reads a stream in blocks of whole lines into buffers the caller hands back, so that a scan
/// of any length touches the same few megabytes of memory.
struct BlockReader<R> {
    input: R,
    block_size: usize,
    /// The start of a line that the previous block cut.
    carry: Vec<u8>,
    bytes: u64,
    done: bool,
    /// The input ended with a line without a line feed (which the walkers, counting line
    /// feeds, do not count).
    unterminated: bool,
}

impl<R: Read> BlockReader<R> {
    fn new(input: R, block_size: usize) -> Self {
        BlockReader {
            input,
            block_size: block_size.max(1),
            carry: Vec::new(),
            bytes: 0,
            done: false,
            unterminated: false,
        }
    }

    /// The next block (whole lines, the last perhaps without a newline), read into `buf`;
    /// `None` at the end.
    fn next(&mut self, mut buf: Vec<u8>) -> io::Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        buf.clear();
        buf.extend_from_slice(&self.carry);
        self.carry.clear();
        loop {
            let start = buf.len();
            // `take` + `read_to_end` reads into the buffer's spare room without zeroing it
            // first (for files), and retries interrupted reads.
            let got = (&mut self.input)
                .take(self.block_size as u64)
                .read_to_end(&mut buf)?;
            let filled = start + got;
            self.bytes += got as u64;
            if filled == start {
                // End of input: what is left is the last line, without a newline.
                self.done = true;
                if buf.is_empty() {
                    return Ok(None);
                }
                self.unterminated = true;
                return Ok(Some(buf));
            }
            if let Some(p) = memchr::memrchr(b'\n', &buf) {
                self.carry.extend_from_slice(&buf[p + 1..]);
                buf.truncate(p + 1);
                return Ok(Some(buf));
            }
            // No newline yet: the line is longer than a block; keep reading it.
        }
    }
}

/// Lines so far: blocks' line feeds are counted by the matcher; a block's matches carry line
/// numbers from 1 at its start, made absolute here, in input order.
#[derive(Default)]
struct Lines {
    before: u64,
}

impl Lines {
    fn place(&mut self, found: &mut [Match], newlines: u64) {
        for m in found {
            m.line += self.before;
        }
        self.before += newlines;
    }
}

/// A block's buffer, its matches and its line feeds, as a worker gives them back.
type Found = (Vec<u8>, Vec<Match>, u64);

/// The workers' results, written in input order as they come back.
#[derive(Default)]
struct InOrder {
    pending: std::collections::BTreeMap<u64, Found>,
    /// Buffers of written blocks, for the reader to fill again.
    pool: Vec<Vec<u8>>,
    next: u64,
    lines: Lines,
    matches: u64,
}

impl InOrder {
    fn arrived(
        &mut self,
        seq: u64,
        found: Found,
        sink: &mut impl FnMut(&[Match]) -> io::Result<()>,
        progress: &mut impl FnMut(u64),
    ) -> io::Result<()> {
        self.pending.insert(seq, found);
        while let Some((block, mut m, newlines)) = self.pending.remove(&self.next) {
            self.lines.place(&mut m, newlines);
            self.matches += m.len() as u64;
            progress(block.len() as u64);
            sink(&m)?;
            self.pool.push(block);
            self.next += 1;
        }
        Ok(())
    }
}

/// Scans a stream, calling `sink` with the matches of each block in order.
pub fn scan(
    set: &IndicatorSet,
    input: impl Read,
    options: ScanOptions,
    mut sink: impl FnMut(&[Match]) -> io::Result<()>,
    mut progress: impl FnMut(u64),
) -> io::Result<ScanSummary> {
    let isa = options.classifier.unwrap_or_else(Isa::detect);
    let mut summary = ScanSummary::default();
    let mut reader = BlockReader::new(input, options.block_size);
    if options.threads <= 1 {
        let mut lines = Lines::default();
        let mut buf = Vec::new();
        while let Some(block) = reader.next(buf)? {
            let (mut m, newlines) = match_block_counting(isa, set, &block);
            lines.place(&mut m, newlines);
            summary.matches += m.len() as u64;
            progress(block.len() as u64);
            sink(&m)?;
            buf = block;
        }
        summary.bytes = reader.bytes;
        summary.lines = lines.before + reader.unterminated as u64;
        return Ok(summary);
    }
    // Workers take blocks from a bounded queue; results come back tagged with their block's
    // sequence number, with the block's buffer for reuse, and are written in order.
    std::thread::scope(|scope| {
        let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(options.threads * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<(u64, Found)>();
        for _ in 0..options.threads {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = rx.lock().map(|r| r.recv());
                let Ok(Ok((seq, block))) = next else {
                    break;
                };
                let (m, newlines) = match_block_counting(isa, set, &block);
                if tx.send((seq, (block, m, newlines))).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let mut order = InOrder::default();
        let mut seq = 0u64;
        let read: io::Result<()> = (|| {
            while let Some(block) = reader.next(order.pool.pop().unwrap_or_default())? {
                work_tx
                    .send((seq, block))
                    .map_err(|_| io::Error::other("scan workers stopped"))?;
                seq += 1;
                while let Ok((s, found)) = done_rx.try_recv() {
                    order.arrived(s, found, &mut sink, &mut progress)?;
                }
            }
            Ok(())
        })();
        drop(work_tx);
        for (s, found) in done_rx.iter() {
            order.arrived(s, found, &mut sink, &mut progress)?;
        }
        read?;
        summary.matches = order.matches;
        summary.bytes = reader.bytes;
        summary.lines = order.lines.before + reader.unterminated as u64;
        Ok(summary)
    })
}

/// Opens a log for scanning: gzip is recognised by its magic bytes and decompressed on the
/// fly (several members, as `cat a.gz b.gz` makes, are read in turn).
pub fn open(mut input: impl Read + 'static) -> io::Result<Box<dyn Read>> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        let n = input.read(&mut magic[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    let head = io::Cursor::new(magic[..got].to_vec());
    let whole = head.chain(input);
    if got == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(whole)))
    } else {
        Ok(Box::new(whole))
    }
}
