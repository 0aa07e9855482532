//! Checks on admin requests, with the Java broker's codes and remarks where
//! it has them.

use std::collections::BTreeMap;

use ferrymq_remoting::protocol::body::TopicFilterType;

pub use ferrymq_remoting::protocol::body::{MAX_QUEUE_NUMS, validate_topic_name as topic_name};

/// Checks a queue count of a topic being created: at least one queue.
pub fn queue_nums(field: &str, value: i32) -> Result<(), String> {
    if (1..=MAX_QUEUE_NUMS).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "The specified {field}: {value} is invalid, it must be between 1 and {MAX_QUEUE_NUMS}"
        ))
    }
}

/// Checks a permission value.
pub fn perm(value: i32) -> Result<(), String> {
    if (0..=15).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "The specified perm: {value} is invalid, it must be between 0 and 15 (2 write, 4 read, 6 read-write)"
        ))
    }
}

/// Parses a topic filter type name.
pub fn filter_type(name: &str) -> Result<TopicFilterType, String> {
    TopicFilterType::from_name(name).ok_or_else(|| {
        format!(
            "The specified topicFilterType: {name} is invalid, it must be SINGLE_TAG or MULTI_TAG"
        )
    })
}

/// Parses 5.x topic attributes: `+key=value,+key2=value2,-key3`.
pub fn attributes(text: Option<&str>) -> Result<BTreeMap<String, String>, String> {
    let mut attributes = BTreeMap::new();
    for item in text
        .unwrap_or_default()
        .split(',')
        .filter(|item| !item.is_empty())
    {
        let (key, value) = match item.split_once('=') {
            Some((key, value)) if key.starts_with('+') => (key, value),
            Some((key, _)) => return Err(format!("add/alter attribute format is wrong: {key}")),
            None if item.starts_with('-') => (item, ""),
            None => return Err(format!("delete attribute format is wrong: {item}")),
        };
        if attributes
            .insert(key.to_owned(), value.to_owned())
            .is_some()
        {
            return Err(format!("key duplication: {key}"));
        }
    }
    Ok(attributes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names() {
        assert!(queue_nums("readQueueNums", 8).is_ok());
        assert!(queue_nums("readQueueNums", 0).is_err());
        assert!(queue_nums("writeQueueNums", 1 << 30).is_err());
        assert!(perm(6).is_ok());
        assert!(perm(-1).is_err());
        assert_eq!(filter_type("MULTI_TAG"), Ok(TopicFilterType::MultiTag));
        assert!(filter_type("EVERY_TAG").is_err());
    }

    #[test]
    fn attribute_lists() {
        assert_eq!(
            attributes(Some("+message.type=FIFO,-queue.type")).unwrap(),
            BTreeMap::from([
                ("+message.type".to_owned(), "FIFO".to_owned()),
                ("-queue.type".to_owned(), String::new())
            ])
        );
        assert!(attributes(Some("message.type=FIFO")).is_err());
        assert!(attributes(Some("+a=1,+a=2")).is_err());
        assert!(attributes(None).unwrap().is_empty());
    }
}
