//! The compiler's one threading policy: big inputs are split over the machine's cores, on
//! threads with a generous stack (parsing and the checks recurse over nested blocks), and
//! the result is the same as doing the work in order on one thread. A thread that cannot
//! start leaves its work to the calling thread; a panic on a worker is re-raised here.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Stack of every worker thread: the main thread's 8 MB and then some.
const STACK: usize = 16 << 20;

/// At most this many workers, however many cores.
const MAX_WORKERS: usize = 8;

/// How many threads the machine runs at once (at most [`MAX_WORKERS`]), asked once:
/// `available_parallelism` reads the cgroup files under `/proc` on every call, and a check
/// of half a million knowledge blocks asks once per block (measured: 40 % of its time).
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_WORKERS)
    })
}

/// `f(index, item)` for every item, in parallel when there are at least `min_items`; the
/// results come back in the items' order.
pub fn map_in_order<T, R, F>(items: &[T], min_items: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &T) -> R + Sync,
{
    let workers = cores().min(items.len());
    if workers < 2 || items.len() < min_items.max(2) {
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| f(i, item))
            .collect();
    }
    // Workers take runs of items from a shared counter: item costs vary a lot (one file
    // may be a hundred times another). Four runs per worker balance well enough; many
    // small runs cost ~30 MB more peak memory on a 100,000-state flow (measured).
    let run = (items.len() / (workers * 4)).max(1);
    let next = AtomicUsize::new(0);
    let mut runs: Vec<(usize, Vec<R>)> = Vec::new();
    std::thread::scope(|scope| {
        let work = || {
            let mut done = Vec::new();
            loop {
                let start = next.fetch_add(run, Ordering::Relaxed);
                if start >= items.len() {
                    return done;
                }
                let end = (start + run).min(items.len());
                let results = (start..end).map(|i| f(i, &items[i])).collect();
                done.push((start, results));
            }
        };
        let handles: Vec<_> = (0..workers)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .stack_size(STACK)
                    .spawn_scoped(scope, work)
                    .ok()
            })
            .collect();
        if handles.is_empty() {
            // No thread could start: this one does everything.
            runs.extend(work());
        }
        for handle in handles {
            match handle.join() {
                Ok(done) => runs.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    runs.sort_unstable_by_key(|(start, _)| *start);
    // Sized up front: the results of a 100,000-state flow are hundreds of megabytes.
    let mut results = Vec::with_capacity(items.len());
    for (_, run) in runs {
        results.extend(run);
    }
    results
}

/// Runs `a` on this thread and `b` on another (or after `a`, if no thread can start), and
/// returns both results.
pub fn join<A, B>(a: impl FnOnce() -> A, b: impl Fn() -> B + Sync) -> (A, B)
where
    B: Send,
{
    std::thread::scope(|scope| {
        let b = &b;
        let spawned = std::thread::Builder::new()
            .stack_size(STACK)
            .spawn_scoped(scope, b);
        let a = a();
        match spawned.map(|handle| handle.join()) {
            Ok(Ok(b)) => (a, b),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => (a, b()),
        }
    })
}

/// Renders `items` in batches of `batch` into byte buffers, on several threads when there
/// are at least two batches, and hands every buffer to `sink` in the items' order. Memory
/// stays bounded whatever the number of items: each worker works one batch ahead at most
/// (a bounded channel), so a renderer can stream millions of diagnostics. The first error
/// of `sink` stops everything and is returned; the workers notice at their next send.
pub fn stream_in_order<T, E, F, S>(
    items: &[T],
    batch: usize,
    render: F,
    mut sink: S,
) -> Result<(), E>
where
    T: Sync,
    F: Fn(&[T], &mut Vec<u8>) + Sync,
    S: FnMut(&[u8]) -> Result<(), E>,
{
    let batch = batch.max(1);
    let batches = items.len().div_ceil(batch);
    let workers = cores().min(batches);
    if workers < 2 {
        let mut buffer = Vec::new();
        for chunk in items.chunks(batch) {
            buffer.clear();
            render(chunk, &mut buffer);
            sink(&buffer)?;
        }
        return Ok(());
    }
    // Batch `index` drawn into a fresh buffer.
    let draw = |index: usize| {
        let start = index * batch;
        let mut buffer = Vec::new();
        render(&items[start..(start + batch).min(items.len())], &mut buffer);
        buffer
    };
    std::thread::scope(|scope| {
        let draw = &draw;
        let mut receivers = Vec::with_capacity(workers);
        for worker in 0..workers {
            let (send, receive) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
            let work = move || {
                for index in (worker..batches).step_by(workers) {
                    if send.send(draw(index)).is_err() {
                        return;
                    }
                }
            };
            let spawned = std::thread::Builder::new()
                .stack_size(STACK)
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                // No thread: render this worker's share here, in turn (see below).
                receivers.push(None);
            } else {
                receivers.push(Some(receive));
            }
        }
        for index in 0..batches {
            let buffer = match &receivers[index % workers] {
                Some(receive) => match receive.recv() {
                    Ok(buffer) => buffer,
                    // The worker panicked: the scope re-raises it when it ends.
                    Err(_) => break,
                },
                None => draw(index),
            };
            if let Err(error) = sink(&buffer) {
                // Dropping the receivers makes every worker's next send fail.
                drop(receivers);
                return Err(error);
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_size() {
        for len in [0, 1, 2, 3, 17, 1000, 10_007] {
            let items: Vec<usize> = (0..len).collect();
            let doubled = map_in_order(&items, 2, |i, &item| {
                assert_eq!(i, item);
                item * 2
            });
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn streamed_batches_arrive_in_order_and_a_sink_error_stops_them() {
        for (len, batch) in [(0, 4), (1, 4), (7, 1), (1000, 3), (10_007, 256)] {
            let items: Vec<u32> = (0..len).collect();
            let mut seen = Vec::new();
            let result: Result<(), ()> = stream_in_order(
                &items,
                batch,
                |chunk, out| out.extend(chunk.iter().flat_map(|i| i.to_le_bytes())),
                |bytes| {
                    seen.extend_from_slice(bytes);
                    Ok(())
                },
            );
            assert!(result.is_ok());
            let expected: Vec<u8> = items.iter().flat_map(|i| i.to_le_bytes()).collect();
            assert_eq!(seen, expected, "{len} items in batches of {batch}");
        }
        let items: Vec<u32> = (0..100_000).collect();
        let mut calls = 0;
        let result = stream_in_order(
            &items,
            10,
            |_, out| out.push(0),
            |_| {
                calls += 1;
                if calls == 3 { Err("full") } else { Ok(()) }
            },
        );
        assert_eq!((result, calls), (Err("full"), 3));
    }

    #[test]
    fn join_returns_both_results() {
        let (a, b) = join(|| 1 + 1, || "two".to_string());
        assert_eq!((a, b.as_str()), (2, "two"));
    }
}
