//! Streaming scans: lines in, matches out, in constant memory, on one core or several.

use crate::indicator::IndicatorSet;
use crate::tokens::{atoms, trim, word_around, AT, COLON, DOT, HEX, V6};
use std::io::{self, Read};
use std::net::Ipv6Addr;
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

/// The classes of a piece of an atom, recomputed (pieces are short and rare).
fn flags(piece: &[u8]) -> (u8, u8) {
    let mut r = (0, 0);
    atoms(piece, |_, any, all| r = (any, all));
    r
}

/// A dotted-quad IPv4 address, strictly: four decimal parts of at most three digits, no
/// leading zeros, each at most 255 (what `std` accepts, without the UTF-8 check).
fn ipv4(s: &[u8]) -> Option<u32> {
    let mut value = 0u32;
    let mut parts = 0;
    for part in s.split(|b| *b == b'.') {
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
            return None;
        }
        let mut n = 0u32;
        for b in part {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n * 10 + (b - b'0') as u32;
        }
        if n > 255 {
            return None;
        }
        value = (value << 8) | n;
        parts += 1;
        if parts > 4 {
            return None;
        }
    }
    (parts == 4).then_some(value)
}

fn parse<T: std::str::FromStr>(s: &[u8]) -> Option<T> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Matches one atom (see [`crate::tokens`]): pushes each matching piece of it with the
/// indicator it matches. `ids` is scratch space.
fn match_atom<'a>(
    set: &IndicatorSet,
    atom: &'a [u8],
    (any, all): (u8, u8),
    buf: &mut Vec<u8>,
    ids: &mut Vec<u32>,
    hits: &mut Vec<(&'a [u8], u32)>,
) {
    // Most atoms of a log are plain words: no dot, colon or at sign, not hash-sized.
    if any & (DOT | COLON | AT) == 0
        && !(all & HEX != 0 && matches!(atom.len(), 32 | 40 | 64))
        && !set.has_others()
    {
        return;
    }
    let found = |ids: &mut Vec<u32>, value: &'a [u8], hits: &mut Vec<(&'a [u8], u32)>| {
        hits.extend(ids.drain(..).map(|i| (value, i)));
    };
    if any & AT != 0 {
        let a = trim(atom);
        if let Some(m) = set.email(lowered(a, buf)) {
            ids.extend(m);
            found(ids, a, hits);
        }
        // The domain of the address is also a host.
        if let Some(p) = memchr::memrchr(b'@', a) {
            let domain = &a[p + 1..];
            match_atom(set, domain, flags(domain), buf, ids, hits);
        }
        return;
    }
    if any & COLON != 0 {
        // An IPv6 address (which may end in "::"), else host:port, times and the like.
        let untrailed = atom.strip_suffix(b".").unwrap_or(atom);
        let could_be_v6 = all & V6 != 0 && untrailed.iter().filter(|b| **b == b':').count() >= 2;
        if let Some(a) = could_be_v6.then(|| parse::<Ipv6Addr>(untrailed)).flatten() {
            set.ipv6(u128::from(a), ids);
            found(ids, untrailed, hits);
            return;
        }
        for part in atom.split(|b| *b == b':') {
            if !part.is_empty() {
                match_atom(set, part, flags(part), buf, ids, hits);
            }
        }
        return;
    }
    let a = trim(atom);
    if a.is_empty() {
        return;
    }
    let has_dot = any & DOT != 0;
    if has_dot && a[0].is_ascii_digit() {
        if let Some(ip) = ipv4(a) {
            set.ipv4(ip, ids);
            found(ids, a, hits);
            return;
        }
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
    out.extend(match_block(set, line, line_no));
}

/// Every match in a block of whole lines, the first being line `first_line`.
///
/// The block is cut into atoms in one pass (a newline ends an atom like any separator), and
/// line numbers are counted only up to each match: a block without a match costs no
/// per-line work at all.
pub fn match_block(set: &IndicatorSet, block: &[u8], first_line: u64) -> Vec<Match> {
    let mut buf = Vec::with_capacity(64);
    let mut ids = Vec::new();
    let mut hits: Vec<(&[u8], u32)> = Vec::new();
    if set.has_urls() {
        // Only words holding "://" can be URLs: find those (memmem skips the rest of the
        // block at vector speed) instead of cutting every word.
        let mut done_to = 0;
        for p in memchr::memmem::find_iter(block, b"://") {
            if p < done_to {
                continue;
            }
            let (s, e) = word_around(block, p);
            done_to = e;
            let w = trim(&block[s..e]);
            if let Some(m) = set.url(w) {
                hits.extend(m.iter().map(|i| (w, *i)));
            }
        }
    }
    atoms(block, |atom, any, all| {
        match_atom(set, atom, (any, all), &mut buf, &mut ids, &mut hits)
    });
    if hits.is_empty() {
        return Vec::new();
    }
    let at = |v: &[u8]| v.as_ptr() as usize - block.as_ptr() as usize;
    // URLs were found in a pass of their own: put everything in the order of the text.
    hits.sort_by_key(|(v, _)| at(v));
    let mut out: Vec<Match> = Vec::with_capacity(hits.len());
    // Hits at one position, to report each token and indicator once (an address in two
    // overlapping ranges of the same indicator is still one sighting).
    let mut seen: Vec<(usize, u32)> = Vec::new();
    let mut seen_at = usize::MAX;
    let (mut line, mut counted_to) = (first_line, 0usize);
    for (value, i) in hits {
        let pos = at(value);
        if pos != seen_at {
            seen.clear();
            seen_at = pos;
        }
        if seen.contains(&(value.len(), i)) {
            continue;
        }
        seen.push((value.len(), i));
        line += memchr::memchr_iter(b'\n', &block[counted_to..pos]).count() as u64;
        counted_to = pos;
        out.push(Match {
            line,
            value: String::from_utf8_lossy(value).into_owned(),
            indicator: i,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    /// The strict parser agrees with the standard library on every case that matters.
    #[test]
    fn ipv4_like_std() {
        for s in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.4a",
            "1234.1.1.1",
            "",
        ] {
            let ours = super::ipv4(s.as_bytes());
            let std = s.parse::<std::net::Ipv4Addr>().ok().map(u32::from);
            assert_eq!(ours, std, "{s}");
        }
    }
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

/// Reads a stream in blocks of whole lines into buffers the caller hands back, so that a scan
/// of any length touches the same few megabytes of memory.
struct BlockReader<R> {
    input: R,
    block_size: usize,
    /// The start of a line that the previous block cut.
    carry: Vec<u8>,
    next_line: u64,
    bytes: u64,
    done: bool,
}

impl<R: Read> BlockReader<R> {
    fn new(input: R, block_size: usize) -> Self {
        BlockReader {
            input,
            block_size: block_size.max(1),
            carry: Vec::new(),
            next_line: 1,
            bytes: 0,
            done: false,
        }
    }

    /// The next block (whole lines, the last perhaps without a newline) and its first line
    /// number, read into `buf`; `None` at the end.
    fn next(&mut self, mut buf: Vec<u8>) -> io::Result<Option<(Vec<u8>, u64)>> {
        if self.done {
            return Ok(None);
        }
        buf.clear();
        buf.extend_from_slice(&self.carry);
        self.carry.clear();
        loop {
            let start = buf.len();
            buf.resize(start + self.block_size, 0);
            let mut filled = start;
            while filled < buf.len() {
                let n = match self.input.read(&mut buf[filled..]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if n == 0 {
                    break;
                }
                filled += n;
            }
            self.bytes += (filled - start) as u64;
            buf.truncate(filled);
            if filled == start {
                // End of input: what is left is the last line, without a newline.
                self.done = true;
                if buf.is_empty() {
                    return Ok(None);
                }
                let first = self.next_line;
                self.next_line += 1;
                return Ok(Some((buf, first)));
            }
            if let Some(p) = memchr::memrchr(b'\n', &buf) {
                self.carry.extend_from_slice(&buf[p + 1..]);
                buf.truncate(p + 1);
                let first = self.next_line;
                self.next_line += memchr::memchr_iter(b'\n', &buf).count() as u64;
                return Ok(Some((buf, first)));
            }
            // No newline yet: the line is longer than a block; keep reading it.
        }
    }

    fn lines(&self) -> u64 {
        self.next_line - 1
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
    let mut reader = BlockReader::new(input, options.block_size);
    if options.threads <= 1 {
        let mut buf = Vec::new();
        while let Some((block, first)) = reader.next(buf)? {
            let m = match_block(set, &block, first);
            summary.matches += m.len() as u64;
            progress(block.len() as u64);
            sink(&m)?;
            buf = block;
        }
        summary.bytes = reader.bytes;
        summary.lines = reader.lines();
        return Ok(summary);
    }
    // Workers take blocks from a bounded queue; results come back tagged with their block's
    // sequence number, with the block's buffer for reuse, and are written in order.
    type Done = (u64, Vec<u8>, Vec<Match>);
    std::thread::scope(|scope| {
        let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<u8>, u64)>(options.threads * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        for _ in 0..options.threads {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = rx.lock().map(|r| r.recv());
                let Ok(Ok((seq, block, first))) = next else {
                    break;
                };
                let m = match_block(set, &block, first);
                if tx.send((seq, block, m)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let mut pending: std::collections::BTreeMap<u64, (Vec<u8>, Vec<Match>)> =
            std::collections::BTreeMap::new();
        let mut pool: Vec<Vec<u8>> = Vec::new();
        let mut next_out = 0u64;
        let mut flush = |pending: &mut std::collections::BTreeMap<u64, (Vec<u8>, Vec<Match>)>,
                         pool: &mut Vec<Vec<u8>>,
                         next_out: &mut u64,
                         summary: &mut ScanSummary|
         -> io::Result<()> {
            while let Some((block, m)) = pending.remove(next_out) {
                summary.matches += m.len() as u64;
                progress(block.len() as u64);
                sink(&m)?;
                pool.push(block);
                *next_out += 1;
            }
            Ok(())
        };
        let mut seq = 0u64;
        let read: io::Result<()> = (|| {
            while let Some((block, first)) = reader.next(pool.pop().unwrap_or_default())? {
                work_tx
                    .send((seq, block, first))
                    .map_err(|_| io::Error::other("scan workers stopped"))?;
                seq += 1;
                while let Ok((s, block, m)) = done_rx.try_recv() {
                    pending.insert(s, (block, m));
                }
                flush(&mut pending, &mut pool, &mut next_out, &mut summary)?;
            }
            Ok(())
        })();
        drop(work_tx);
        for (s, block, m) in done_rx.iter() {
            pending.insert(s, (block, m));
            flush(&mut pending, &mut pool, &mut next_out, &mut summary)?;
        }
        read?;
        summary.bytes = reader.bytes;
        summary.lines = reader.lines();
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
