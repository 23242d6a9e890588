//! Work run in lanes: up to N items at once, the costliest started first,
//! the results in the order the items were given (`genl vm test`'s kernels,
//! xtask's planted bugs).

/// `run` over `items` with up to `lanes` running at once, the costliest
/// (by `cost`) started first; the results in the order of `items`. With
/// equal costs the items start in their order.
pub fn in_lanes<T: Send, R: Send>(
    items: Vec<T>,
    lanes: usize,
    cost: &(dyn Fn(&T) -> u8 + Sync),
    run: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let n = items.len();
    let mut queue: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    // Popped from the end: the costliest last in the vector, the earlier
    // of equal cost after the later.
    queue.sort_by_key(|(i, t)| (cost(t), std::cmp::Reverse(*i)));
    let queue = std::sync::Mutex::new(queue);
    let results = std::sync::Mutex::new((0..n).map(|_| None).collect::<Vec<Option<R>>>());
    std::thread::scope(|s| {
        for _ in 0..lanes.max(1) {
            s.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some((i, item)) = next else { break };
                let r = run(item);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item was run"))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// One lane runs the costliest first, then the rest in their order;
    /// the results come back in the order given, whatever the lanes.
    #[test]
    fn lanes_start_the_costliest_and_return_in_order() {
        let items = vec![("5.10", 0), ("6.1", 0), ("6.12-debug", 1), ("newest", 0)];
        let started = std::sync::Mutex::new(Vec::new());
        let out = in_lanes(items.clone(), 1, &|t: &(&str, u8)| t.1, |t| {
            started.lock().unwrap().push(t.0);
            t.0.len()
        });
        assert_eq!(
            started.into_inner().unwrap(),
            ["6.12-debug", "5.10", "6.1", "newest"]
        );
        assert_eq!(out, [4, 3, 10, 6]);
        for lanes in [2, 3, 8] {
            let out = in_lanes(items.clone(), lanes, &|t: &(&str, u8)| t.1, |t| {
                std::thread::sleep(Duration::from_millis(u64::from(t.1) * 20));
                t.0
            });
            assert_eq!(
                out,
                ["5.10", "6.1", "6.12-debug", "newest"],
                "{lanes} lanes"
            );
        }
    }
}
