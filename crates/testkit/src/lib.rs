//! bankinfra-testkit
