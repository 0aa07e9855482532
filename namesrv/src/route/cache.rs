//! Encoded route responses, cached per topic, within a memory budget.
//!
//! A route body depends on the topic's own queues and on things shared by
//! every topic (broker groups, filter servers, settings). Changes to the
//! first clear the topic's slot; changes to the second bump the table's
//! epoch, which clears every slot. Both happen under the write lock. Each
//! slot also remembers the epoch it was filled in, so a body can never
//! outlive the state it was built from.
//!
//! Lookups fill slots under the *read* lock, hence the small mutex per slot:
//! filling one topic's slot never waits for another topic's lookups. The
//! bodies of all slots together stay within a byte budget; past it, lookups
//! are answered without caching until changes free room.

use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use ferrymq_remoting::protocol::KeyStyle;
use parking_lot::Mutex;

/// The bytes all cached bodies may take together.
#[derive(Debug)]
pub(crate) struct CacheBudget {
    used: AtomicUsize,
    max: usize,
}

impl CacheBudget {
    pub(crate) fn new(max: usize) -> Self {
        CacheBudget {
            used: AtomicUsize::new(0),
            max,
        }
    }

    /// Claims `bytes` if they fit.
    fn claim(&self, bytes: usize) -> bool {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|&total| total <= self.max)
            })
            .is_ok()
    }

    fn release(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Bytes held now.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// The cached bodies of one topic, in each JSON key style asked for so far.
#[derive(Debug, Default)]
pub(crate) struct RouteCache {
    slot: Mutex<Option<Box<Cached>>>,
}

#[derive(Debug)]
struct Cached {
    epoch: u64,
    standard: Option<Bytes>,
    legacy: Option<Bytes>,
}

impl Cached {
    fn bytes(&self) -> usize {
        self.standard.as_ref().map_or(0, Bytes::len) + self.legacy.as_ref().map_or(0, Bytes::len)
    }
}

impl RouteCache {
    /// The body in `style` built in `epoch`, if there is one.
    pub(crate) fn get(&self, epoch: u64, style: KeyStyle) -> Option<Bytes> {
        let slot = self.slot.lock();
        let cached = slot.as_ref().filter(|cached| cached.epoch == epoch)?;
        match style {
            KeyStyle::Standard => cached.standard.clone(),
            KeyStyle::Legacy => cached.legacy.clone(),
        }
    }

    /// Remembers a body built in `epoch`, if the budget allows.
    pub(crate) fn put(&self, epoch: u64, style: KeyStyle, body: Bytes, budget: &CacheBudget) {
        let mut slot = self.slot.lock();
        if let Some(stale) = slot.take_if(|cached| cached.epoch != epoch) {
            budget.release(stale.bytes());
        }
        if !budget.claim(body.len()) {
            return;
        }
        let cached = slot.get_or_insert_with(|| {
            Box::new(Cached {
                epoch,
                standard: None,
                legacy: None,
            })
        });
        let replaced = match style {
            KeyStyle::Standard => cached.standard.replace(body),
            KeyStyle::Legacy => cached.legacy.replace(body),
        };
        if let Some(replaced) = replaced {
            budget.release(replaced.len());
        }
    }

    /// Forgets everything; called under the write lock when the topic changes.
    pub(crate) fn clear(&mut self, budget: &CacheBudget) {
        if let Some(cached) = self.slot.get_mut().take() {
            budget.release(cached.bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_kept_per_style_and_epoch() {
        let budget = CacheBudget::new(1 << 20);
        let mut cache = RouteCache::default();
        assert_eq!(cache.get(1, KeyStyle::Standard), None);
        cache.put(1, KeyStyle::Standard, Bytes::from_static(b"std"), &budget);
        cache.put(1, KeyStyle::Legacy, Bytes::from_static(b"legacy"), &budget);
        assert_eq!(cache.get(1, KeyStyle::Standard).unwrap(), "std");
        assert_eq!(cache.get(1, KeyStyle::Legacy).unwrap(), "legacy");
        assert_eq!(budget.used(), 9);
        assert_eq!(
            cache.get(2, KeyStyle::Standard),
            None,
            "a newer epoch misses"
        );
        cache.put(2, KeyStyle::Legacy, Bytes::from_static(b"new"), &budget);
        assert_eq!(
            cache.get(2, KeyStyle::Standard),
            None,
            "older bodies were dropped"
        );
        assert_eq!(budget.used(), 3);
        cache.clear(&budget);
        assert_eq!(cache.get(2, KeyStyle::Legacy), None);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn the_budget_bounds_what_is_cached() {
        let budget = CacheBudget::new(10);
        let (a, b) = (RouteCache::default(), RouteCache::default());
        a.put(
            1,
            KeyStyle::Standard,
            Bytes::from_static(b"12345678"),
            &budget,
        );
        b.put(
            1,
            KeyStyle::Standard,
            Bytes::from_static(b"12345678"),
            &budget,
        );
        assert!(a.get(1, KeyStyle::Standard).is_some());
        assert!(
            b.get(1, KeyStyle::Standard).is_none(),
            "over the budget: not cached"
        );
        a.put(1, KeyStyle::Standard, Bytes::from_static(b"1"), &budget);
        assert_eq!(budget.used(), 1, "a replaced body gives its bytes back");
    }
}
