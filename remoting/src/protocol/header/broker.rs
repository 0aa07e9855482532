//! Headers of the administrative requests a broker serves.

use super::command_header;

command_header! {
    /// UPDATE_AND_CREATE_TOPIC (17).
    pub struct CreateTopicRequestHeader {
        topic: String = "topic", required;
        /// The topic whose settings a new topic inherits; clients send TBW102.
        default_topic: String = "defaultTopic", required;
        read_queue_nums: i32 = "readQueueNums", required;
        write_queue_nums: i32 = "writeQueueNums", required;
        perm: i32 = "perm", required;
        topic_filter_type: String = "topicFilterType", required;
        topic_sys_flag: Option<i32> = "topicSysFlag", optional;
        order: bool = "order", default false;
        /// 5.x topic attributes as `+key=value` pairs in a JSON-ish map.
        attributes: Option<String> = "attributes", optional;
    }
}

command_header! {
    /// UNREGISTER_CLIENT (35).
    pub struct UnregisterClientRequestHeader {
        client_id: String = "clientID", required;
        producer_group: Option<String> = "producerGroup", optional;
        consumer_group: Option<String> = "consumerGroup", optional;
    }
}
