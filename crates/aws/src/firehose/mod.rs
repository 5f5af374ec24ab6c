//! Kinesis Data Firehose: delivery streams.

pub(crate) mod stream;

pub(crate) use stream::read;
