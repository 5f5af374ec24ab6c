//! SQS: the event buses' dead-letter queues.

pub(crate) mod queue;

pub(crate) use queue::read;
