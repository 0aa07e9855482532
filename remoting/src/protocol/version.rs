//! MQVersion ordinals: the `version` field of every command.
//!
//! The Java implementation numbers its releases by their position in one long
//! enum, and servers change behaviour at a few of those positions. The
//! constants below are the positions that matter; [`name`] turns any ordinal
//! back into the release name operators see (`V4_9_8`).

/// V3_0_11: REGISTER_BROKER bodies are a RegisterBrokerBody from here on.
pub const V3_0_11: i32 = 37;
/// V3_1_8: what the C++ client 0.4.4 and 0.5.0 send.
pub const V3_1_8: i32 = 63;
/// V3_4_9: what the Node client ali-ons sends.
pub const V3_4_9: i32 = 121;
/// V4_5_2: what the Go client sends.
pub const V4_5_2: i32 = 317;
/// V4_6_0: what the C++ client 2.1.0 sends.
pub const V4_6_0: i32 = 333;
/// V4_9_4: route responses use standard JSON (quoted map keys) from here on.
pub const V4_9_4: i32 = 401;
/// V4_9_8: the last 4.x release.
pub const V4_9_8: i32 = 409;
/// V5_0_0: compressed registrations carry a static-topic mapping section from here on.
pub const V5_0_0: i32 = 413;
/// V5_3_1: a shutting-down Java server answers GO_AWAY to requests above this.
pub const V5_3_1: i32 = 475;
/// V5_3_3: the newest release whose behaviour ferrymq follows.
pub const V5_3_3: i32 = 479;

/// The version ferrymq puts on the commands it sends.
pub const CURRENT: i32 = V5_3_3;

/// The 16 pre-releases and the final of 3.0.0 that open the enum.
const V3_0_0_ENTRIES: [&str; 16] = [
    "SNAPSHOT",
    "ALPHA1",
    "BETA1",
    "BETA2",
    "BETA3",
    "BETA4",
    "BETA5",
    "BETA6_SNAPSHOT",
    "BETA6",
    "BETA7_SNAPSHOT",
    "BETA7",
    "BETA8_SNAPSHOT",
    "BETA8",
    "BETA9_SNAPSHOT",
    "BETA9",
    "FINAL",
];

/// After 3.0.0 every release has a SNAPSHOT entry then the release entry.
/// Each minor series lists its patch numbers in this range.
const fn patch_range(major: u32, minor: u32) -> (u32, u32) {
    match (major, minor) {
        (3, 0) => (1, 15),
        (3, 1) | (3, 2) => (0, 9),
        (3, _) => (1, 9),
        _ => (0, 9),
    }
}

/// Name of the last real release; ordinals past it are `HIGHER_VERSION`.
const LAST_MAJOR: u32 = 5;

/// The release name of an ordinal, such as `V4_9_8` for 409.
///
/// Negative ordinals and ordinals past the last known release give
/// `HIGHER_VERSION`, as the Java `MQVersion.Version` enum ends with it.
pub fn name(ordinal: i32) -> String {
    let Ok(mut rest) = u32::try_from(ordinal) else {
        return "HIGHER_VERSION".to_owned();
    };
    if let Some(entry) = V3_0_0_ENTRIES.get(rest as usize) {
        return format!("V3_0_0_{entry}");
    }
    rest -= V3_0_0_ENTRIES.len() as u32;
    for major in 3..=LAST_MAJOR {
        for minor in 0..=9 {
            let (first, last) = patch_range(major, minor);
            let entries = (last - first + 1) * 2;
            if rest < entries {
                let patch = first + rest / 2;
                let suffix = if rest % 2 == 0 { "_SNAPSHOT" } else { "" };
                return format!("V{major}_{minor}_{patch}{suffix}");
            }
            rest -= entries;
        }
    }
    "HIGHER_VERSION".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_ordinals_seen_on_the_wire() {
        for (ordinal, expected) in [
            (0, "V3_0_0_SNAPSHOT"),
            (15, "V3_0_0_FINAL"),
            (16, "V3_0_1_SNAPSHOT"),
            (V3_0_11, "V3_0_11"),
            (V3_1_8, "V3_1_8"),
            (V3_4_9, "V3_4_9"),
            (V4_5_2, "V4_5_2"),
            (V4_6_0, "V4_6_0"),
            (V4_9_4, "V4_9_4"),
            (V4_9_8, "V4_9_8"),
            (V5_0_0, "V5_0_0"),
            (474, "V5_3_1_SNAPSHOT"),
            (V5_3_1, "V5_3_1"),
            (V5_3_3, "V5_3_3"),
            (611, "V5_9_9"),
            (612, "HIGHER_VERSION"),
            (-1, "HIGHER_VERSION"),
        ] {
            assert_eq!(name(ordinal), expected, "ordinal {ordinal}");
        }
    }
}
