//! Target `nlctrl`: the controller's decoders (indexed arrays, keyed maps).

use crate::*;

/// Target `nlctrl`.
pub fn check_nlctrl(data: &[u8]) {
    set_round_trip!(FamilyInfo<'_>, data);
    set_round_trip!(PolicyMessage<'_>, data);
    set_round_trip!(GetFamily<'_>, data);
    set_round_trip!(GetPolicy<'_>, data);
    // Indexed children are renumbered 1..=n; keyed children keep their ids.
    if let Ok(f) = FamilyInfo::decode(data) {
        let bytes = f.encode_to_vec().unwrap();
        for a in AttrIter::new(&bytes).map(Result::unwrap) {
            if a.id == 6 || a.id == 7 {
                assert!(a.nested_flag());
                for (i, c) in a.nested().map(Result::unwrap).enumerate() {
                    assert_eq!(c.id as usize, i + 1);
                }
            }
        }
    }
    if let Ok(p) = PolicyMessage::decode(data) {
        let bytes = p.encode_to_vec().unwrap();
        let again = PolicyMessage::decode(&bytes).unwrap();
        let keys = |m: &PolicyMessage<'_>| {
            m.policy
                .iter()
                .map(|k| (k.key, k.value.iter().map(|a| a.key).collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&again), keys(&p));
    }
}
