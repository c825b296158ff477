use jiff::Timestamp;
use proptest::prelude::*;

use super::*;

fn message(id: i64, secs: i64) -> Message {
    Message {
        id,
        conversation: 0,
        author: 0,
        at: Timestamp::from_second(secs).unwrap(),
        mentions_other: false,
        ends_with_question: false,
    }
}

fn sorted(mut all: Vec<Message>) -> Vec<(i64, Timestamp)> {
    all.sort_by_key(|m| (m.at, m.id));
    all.iter().map(|m| (m.id, m.at)).collect()
}

fn keys(messages: &Messages) -> Vec<(i64, Timestamp)> {
    messages.iter().map(|m| (m.id, m.at)).collect()
}

proptest! {
    /// Extending batch by batch, in any order of times, gives what one sort of everything gives,
    /// and the chunks keep their shape (all full but the last).
    #[test]
    fn extending_in_batches_equals_sorting_everything(
        batches in prop::collection::vec(prop::collection::vec(0i64..50, 0..9), 0..8),
    ) {
        let mut messages = Messages::default();
        let mut all = Vec::new();
        let mut id = 0;
        for batch in batches {
            let batch: Vec<Message> = batch.into_iter().map(|secs| { id += 1; message(id, secs) }).collect();
            all.extend(batch.clone());
            messages.extend_sorted(batch);
            prop_assert_eq!(keys(&messages), sorted(all.clone()));
            prop_assert_eq!(messages.len(), all.len());
            let n = messages.chunks.len();
            prop_assert!(messages.chunks.iter().take(n.saturating_sub(1)).all(|c| c.len() == CHUNK));
            prop_assert!(messages.chunks.iter().all(|c| !c.is_empty()));
        }
    }

    /// The chunked searches answer as the same searches on one slice.
    #[test]
    fn searches_answer_as_on_a_slice(times in prop::collection::vec(0i64..30, 0..20), at in -1i64..32, n in 0usize..25) {
        let all: Vec<Message> = times.iter().enumerate().map(|(i, secs)| message(i as i64 * 2, *secs)).collect();
        let mut flat = all.clone();
        flat.sort_by_key(|m| (m.at, m.id));
        let mut messages = Messages::from(all);
        messages.sort();
        let at = Timestamp::from_second(at).unwrap();
        prop_assert_eq!(messages.count_before(at), flat.partition_point(|m| m.at < at));
        let prefix: Vec<i64> = messages.prefix(n).map(|m| m.id).collect();
        let expected: Vec<i64> = flat.iter().take(n).map(|m| m.id).collect();
        prop_assert_eq!(&prefix, &expected);
        let backwards: Vec<i64> = messages.prefix(n).rev().map(|m| m.id).collect();
        prop_assert_eq!(backwards, expected.into_iter().rev().collect::<Vec<_>>());
        for (idx, m) in flat.iter().enumerate() {
            prop_assert_eq!(messages.position_of(m.id), Some(idx));
            prop_assert_eq!(messages.get(idx).map(|m| m.id), Some(m.id));
        }
        prop_assert_eq!(messages.position_of(1), None);
    }
}

#[test]
fn a_later_batch_shares_every_full_chunk_with_the_dataset_before_it() {
    let mut messages = Messages::from((0..3 * CHUNK as i64 + 1).map(|i| message(i, i)).collect::<Vec<_>>());
    let before = messages.clone();
    messages.extend_sorted(vec![message(100, 100), message(101, 101)]);
    for idx in 0..3 {
        assert!(messages.shares_chunk(&before, idx), "chunk {idx} was copied");
    }
    assert!(!messages.shares_chunk(&before, 3), "the last chunk was written in place under a reader");
    assert_eq!(before.len(), 3 * CHUNK + 1, "the reader's messages changed");
    assert_eq!(messages.len(), 3 * CHUNK + 3);
}

#[test]
fn writing_one_message_copies_only_its_chunk() {
    let mut messages = Messages::from((0..2 * CHUNK as i64).map(|i| message(i, i)).collect::<Vec<_>>());
    let before = messages.clone();
    messages.get_mut(CHUNK).unwrap().mentions_other = true;
    assert!(messages.shares_chunk(&before, 0));
    assert!(!messages.shares_chunk(&before, 1));
    assert!(!before.get(CHUNK).unwrap().mentions_other);
    assert!(messages.get(CHUNK).unwrap().mentions_other);
}
