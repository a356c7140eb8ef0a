//! Streaming scans: lines in, matches out, in constant memory, on one core or several.

use crate::indicator::IndicatorSet;
use crate::tokens::{atoms, trim, words};
use std::io::{self, Read};
use std::net::{Ipv4Addr, Ipv6Addr};
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

/// Lower-cases into `buf` (hosts and hashes compare case-insensitively).
fn lowered<'b>(s: &[u8], buf: &'b mut Vec<u8>) -> &'b [u8] {
    buf.clear();
    buf.extend(s.iter().map(u8::to_ascii_lowercase));
    buf
}

fn parse<T: std::str::FromStr>(s: &[u8]) -> Option<T> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Matches one atom (see [`crate::tokens`]): pushes each matching piece of it with the
/// indicator it matches. `ids` is scratch space.
fn match_atom<'a>(
    set: &IndicatorSet,
    atom: &'a [u8],
    buf: &mut Vec<u8>,
    ids: &mut Vec<u32>,
    hits: &mut Vec<(&'a [u8], u32)>,
) {
    let found = |ids: &mut Vec<u32>, value: &'a [u8], hits: &mut Vec<(&'a [u8], u32)>| {
        hits.extend(ids.drain(..).map(|i| (value, i)));
    };
    if atom.contains(&b'@') {
        let a = trim(atom);
        if let Some(m) = set.email(lowered(a, buf)) {
            ids.extend(m);
            found(ids, a, hits);
        }
        // The domain of the address is also a host.
        if let Some(p) = memchr::memrchr(b'@', a) {
            match_atom(set, &a[p + 1..], buf, ids, hits);
        }
        return;
    }
    if atom.contains(&b':') {
        // An IPv6 address (which may end in "::"), else host:port, times and the like.
        let untrailed = atom.strip_suffix(b".").unwrap_or(atom);
        if let Some(a) = parse::<Ipv6Addr>(untrailed) {
            set.ipv6(u128::from(a), ids);
            found(ids, untrailed, hits);
            return;
        }
        for part in atom.split(|b| *b == b':') {
            if !part.is_empty() {
                match_atom(set, part, buf, ids, hits);
            }
        }
        return;
    }
    let a = trim(atom);
    if a.is_empty() {
        return;
    }
    let has_dot = a.contains(&b'.');
    if has_dot && a[0].is_ascii_digit() && a.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        if let Some(ip) = parse::<Ipv4Addr>(a) {
            set.ipv4(u32::from(ip), ids);
            found(ids, a, hits);
        }
        return;
    }
    if matches!(a.len(), 32 | 40 | 64) && a.iter().all(u8::is_ascii_hexdigit) {
        if let Some(m) = set.hash(lowered(a, buf)) {
            ids.extend(m);
            found(ids, a, hits);
        }
        return;
    }
    if has_dot && a.len() <= 253 {
        set.domain(lowered(a, buf), ids);
        found(ids, a, hits);
    }
    if let Some(m) = set.other(a) {
        ids.extend(m);
        found(ids, a, hits);
    }
}

/// Every match in one line.
pub fn match_line(set: &IndicatorSet, line: &[u8], line_no: u64, out: &mut Vec<Match>) {
    let mut buf = Vec::with_capacity(64);
    let mut ids = Vec::new();
    let mut hits: Vec<(&[u8], u32)> = Vec::new();
    words(line, |word| {
        if set.has_urls() && memchr::memmem::find(word, b"://").is_some() {
            let w = trim(word);
            if let Some(m) = set.url(w) {
                hits.extend(m.iter().map(|i| (w, *i)));
            }
        }
        atoms(word, |atom| match_atom(set, atom, &mut buf, &mut ids, &mut hits));
    });
    if hits.is_empty() {
        return;
    }
    // One report per token and indicator (an address in two overlapping ranges of the same
    // indicator is still one sighting).
    let mut seen: Vec<(&[u8], u32)> = Vec::with_capacity(hits.len());
    for (value, i) in hits {
        if !seen.iter().any(|(v, j)| *j == i && std::ptr::eq(*v, value)) {
            seen.push((value, i));
            out.push(Match {
                line: line_no,
                value: String::from_utf8_lossy(value).into_owned(),
                indicator: i,
            });
        }
    }
}

/// Every match in a block of whole lines, the first being line `first_line`.
pub fn match_block(set: &IndicatorSet, block: &[u8], first_line: u64) -> Vec<Match> {
    let mut out = Vec::new();
    let mut line_no = first_line;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', block) {
        match_line(set, &block[start..end], line_no, &mut out);
        line_no += 1;
        start = end + 1;
    }
    if start < block.len() {
        match_line(set, &block[start..], line_no, &mut out);
    }
    out
}

#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Worker threads; 1 scans on the calling thread.
    pub threads: usize,
    /// Bytes per block handed to a worker (whole lines; a longer line makes a longer block).
    pub block_size: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: 1,
            block_size: 1 << 20,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanSummary {
    pub bytes: u64,
    pub lines: u64,
    pub matches: u64,
}

/// Reads `input` to the end in blocks of whole lines; `blocks` receives each block with its
/// first line number, in order. Memory stays at about one block plus the longest line.
fn read_blocks(
    mut input: impl Read,
    block_size: usize,
    mut blocks: impl FnMut(Vec<u8>, u64) -> io::Result<()>,
) -> io::Result<(u64, u64)> {
    let mut carry: Vec<u8> = Vec::new();
    let mut line = 1u64;
    let mut bytes = 0u64;
    loop {
        let mut block = std::mem::take(&mut carry);
        let start = block.len();
        block.resize(start + block_size, 0);
        let mut filled = start;
        while filled < block.len() {
            let n = match input.read(&mut block[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                break;
            }
            filled += n;
        }
        bytes += (filled - start) as u64;
        block.truncate(filled);
        if filled == start {
            // End of input: what is carried is the last line, without a newline.
            if !block.is_empty() {
                blocks(block, line)?;
                line += 1;
            }
            return Ok((bytes, line - 1));
        }
        match memchr::memrchr(b'\n', &block) {
            Some(p) => {
                carry = block[p + 1..].to_vec();
                block.truncate(p + 1);
                let lines = memchr::memchr_iter(b'\n', &block).count() as u64;
                blocks(block, line)?;
                line += lines;
            }
            // No newline yet: the line is longer than a block; keep reading it.
            None => carry = block,
        }
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
    let mut summary = ScanSummary::default();
    if options.threads <= 1 {
        let (bytes, lines) = read_blocks(input, options.block_size, |block, first| {
            let m = match_block(set, &block, first);
            summary.matches += m.len() as u64;
            progress(block.len() as u64);
            sink(&m)
        })?;
        summary.bytes = bytes;
        summary.lines = lines;
        return Ok(summary);
    }
    // Workers take blocks from a bounded queue; results come back tagged with their block's
    // sequence number and are written in order.
    std::thread::scope(|scope| {
        let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<u8>, u64)>(options.threads * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<(u64, usize, Vec<Match>)>();
        for _ in 0..options.threads {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = rx.lock().map(|r| r.recv());
                let Ok(Ok((seq, block, first))) = next else {
                    break;
                };
                if tx.send((seq, block.len(), match_block(set, &block, first))).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut next_out = 0u64;
        let mut flush = |pending: &mut std::collections::BTreeMap<u64, (usize, Vec<Match>)>,
                         next_out: &mut u64,
                         summary: &mut ScanSummary|
         -> io::Result<()> {
            while let Some((len, m)) = pending.remove(next_out) {
                summary.matches += m.len() as u64;
                progress(len as u64);
                sink(&m)?;
                *next_out += 1;
            }
            Ok(())
        };
        let mut seq = 0u64;
        let read = read_blocks(input, options.block_size, |block, first| {
            work_tx
                .send((seq, block, first))
                .map_err(|_| io::Error::other("scan workers stopped"))?;
            seq += 1;
            while let Ok((s, len, m)) = done_rx.try_recv() {
                pending.insert(s, (len, m));
            }
            flush(&mut pending, &mut next_out, &mut summary)
        });
        drop(work_tx);
        for (s, len, m) in done_rx.iter() {
            pending.insert(s, (len, m));
            flush(&mut pending, &mut next_out, &mut summary)?;
        }
        let (bytes, lines) = read?;
        summary.bytes = bytes;
        summary.lines = lines;
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
