//! How long a verifier may go on believing what storage told it (SPEC §8 "Revocation is prompt,
//! and its bound is stated").
//!
//! Reading storage for every check is what makes revocation immediate everywhere, and it is the
//! hot path's whole cost. So an isolate may remember, for at most `REVOCATION_DELAY_SECONDS`
//! (default 5; `0` remembers nothing), that a session, an access token, a service key or a
//! service's JWT credentials were live. The rules of that memory live here, free of I/O:
//!
//! - only what was found **live** is remembered: a refusal is never remembered as a success
//!   (nothing but successes is remembered at all);
//! - an entry is used for at most the delay after storage said so, and never past the end of
//!   what it describes (a session's or token's own expiry);
//! - the instance that revokes something forgets it at once ([`LiveCache::forget_where`]), so
//!   revocation there is immediate; other instances follow within the delay;
//! - memory is bounded: past its capacity the cache drops what has lapsed, then everything.

use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;

/// The default of `REVOCATION_DELAY_SECONDS`.
pub const DEFAULT_DELAY_SECONDS: u64 = 5;
/// The longest delay deskgate accepts: a minute. A revocation that takes longer is no revocation.
pub const MAX_DELAY_SECONDS: u64 = 60;
/// Entries one cache holds at most.
pub const CAPACITY: usize = 4096;

/// What an isolate remembers of one kind of live thing, by key.
///
/// The map underneath holds its values type-erased, so every kind of cache shares one copy of
/// the hash map's code in the wasm; the typed methods here are thin.
#[derive(Debug, Clone)]
pub struct LiveCache<V> {
    entries: HashMap<String, Entry>,
    capacity: usize,
    kind: PhantomData<V>,
}

#[derive(Debug, Clone)]
struct Entry {
    value: Rc<dyn Any>,
    /// Usable while `now` is before this: the delay after storage said so, or the thing's own
    /// end, whichever comes first.
    until: u64,
}

impl<V: Clone + 'static> Default for LiveCache<V> {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl<V: Clone + 'static> LiveCache<V> {
    /// An empty cache of at most `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity,
            kind: PhantomData,
        }
    }

    /// What storage said of `key` at most `delay` seconds ago, if it is still within its own
    /// end. An entry past its time is dropped.
    pub fn get(&mut self, key: &str, now: u64) -> Option<V> {
        match self.entries.get(key) {
            Some(e) if now < e.until => e.value.downcast_ref::<V>().cloned(),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Remembers that storage found `value` live at `now`, for `delay` seconds but never past
    /// `ends_at`. With a delay of 0 nothing is remembered.
    pub fn remember(&mut self, key: String, value: V, now: u64, delay: u64, ends_at: u64) {
        let until = now
            .saturating_add(delay.min(MAX_DELAY_SECONDS))
            .min(ends_at);
        if until <= now {
            return;
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.entries.retain(|_, e| now < e.until);
            if self.entries.len() >= self.capacity {
                self.entries.clear();
            }
        }
        let value: Rc<dyn Any> = Rc::new(value);
        self.entries.insert(key, Entry { value, until });
    }

    /// Forgets `key`: this instance stops believing it at once.
    pub fn forget(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Forgets every entry `revoked` says was revoked: this instance stops believing it at once.
    pub fn forget_where(&mut self, mut revoked: impl FnMut(&str, &V) -> bool) {
        self.entries
            .retain(|k, e| !e.value.downcast_ref::<V>().is_some_and(|v| revoked(k, v)));
    }

    /// How many entries it holds (for tests).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_thing_is_believed_for_the_delay_and_no_longer() {
        let mut c = LiveCache::default();
        c.remember("s".into(), 1, 100, 5, 10_000);
        assert_eq!(c.get("s", 100), Some(1));
        assert_eq!(c.get("s", 104), Some(1));
        assert_eq!(c.get("s", 105), None);
        assert!(c.is_empty(), "a lapsed entry is dropped");
    }

    #[test]
    fn never_past_the_things_own_end() {
        let mut c = LiveCache::default();
        c.remember("t".into(), "token", 100, 5, 102);
        assert_eq!(c.get("t", 101), Some("token"));
        assert_eq!(c.get("t", 102), None);
        c.remember("gone".into(), "token", 100, 5, 100);
        assert_eq!(c.get("gone", 100), None, "already over: not remembered");
    }

    #[test]
    fn strict_mode_remembers_nothing_and_the_delay_is_capped() {
        let mut c = LiveCache::default();
        c.remember("s".into(), 1, 100, 0, 10_000);
        assert_eq!(c.get("s", 100), None);
        c.remember("s".into(), 1, 100, 3600, 10_000);
        assert_eq!(c.get("s", 100 + MAX_DELAY_SECONDS - 1), Some(1));
        assert_eq!(c.get("s", 100 + MAX_DELAY_SECONDS), None);
    }

    #[test]
    fn the_revoking_instance_forgets_at_once() {
        let mut c = LiveCache::default();
        c.remember("id:a".into(), "a", 100, 5, 10_000);
        c.remember("tok:x".into(), "a", 100, 5, 10_000);
        c.remember("id:b".into(), "b", 100, 5, 10_000);
        c.forget_where(|_, v| *v == "a");
        assert_eq!((c.get("id:a", 100), c.get("tok:x", 100)), (None, None));
        assert_eq!(c.get("id:b", 100), Some("b"));
    }

    #[test]
    fn memory_is_bounded() {
        let mut c = LiveCache::with_capacity(3);
        for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
            c.remember(key.into(), i, 100 + i as u64, 5, 10_000);
        }
        // At 105 "a" has lapsed: it makes room for "d".
        c.remember("d".into(), 3, 105, 5, 10_000);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get("a", 105), None);
        // Nothing has lapsed: the cache starts over rather than grow.
        c.remember("e".into(), 4, 105, 5, 10_000);
        assert!(c.len() <= 3);
        assert_eq!(c.get("e", 105), Some(4));
    }
}
