//! Encoded route responses, cached per topic.
//!
//! A route body depends on the topic's own queues and on things shared by
//! every topic (broker groups, filter servers, settings). Changes to the
//! first clear the topic's slot under the write lock; changes to the second
//! bump the table's epoch, which makes every slot built in an earlier epoch
//! stale without touching it. Lookups fill slots under the *read* lock,
//! hence the small mutex per slot: filling one topic's slot never waits for
//! another topic's lookups.

use bytes::Bytes;
use ferrymq_remoting::protocol::KeyStyle;
use parking_lot::Mutex;

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

    /// Remembers a body built in `epoch`, dropping bodies of older epochs.
    pub(crate) fn put(&self, epoch: u64, style: KeyStyle, body: Bytes) {
        let mut slot = self.slot.lock();
        let cached = match slot.as_mut() {
            Some(cached) if cached.epoch == epoch => cached,
            _ => slot.insert(Box::new(Cached {
                epoch,
                standard: None,
                legacy: None,
            })),
        };
        match style {
            KeyStyle::Standard => cached.standard = Some(body),
            KeyStyle::Legacy => cached.legacy = Some(body),
        }
    }

    /// Forgets everything; called under the write lock when the topic changes.
    pub(crate) fn clear(&mut self) {
        *self.slot.get_mut() = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_kept_per_style_and_epoch() {
        let mut cache = RouteCache::default();
        assert_eq!(cache.get(1, KeyStyle::Standard), None);
        cache.put(1, KeyStyle::Standard, Bytes::from_static(b"std"));
        cache.put(1, KeyStyle::Legacy, Bytes::from_static(b"legacy"));
        assert_eq!(cache.get(1, KeyStyle::Standard).unwrap(), "std");
        assert_eq!(cache.get(1, KeyStyle::Legacy).unwrap(), "legacy");
        assert_eq!(
            cache.get(2, KeyStyle::Standard),
            None,
            "a newer epoch misses"
        );
        cache.put(2, KeyStyle::Legacy, Bytes::from_static(b"new"));
        assert_eq!(
            cache.get(2, KeyStyle::Standard),
            None,
            "older bodies were dropped"
        );
        cache.clear();
        assert_eq!(cache.get(2, KeyStyle::Legacy), None);
    }
}
