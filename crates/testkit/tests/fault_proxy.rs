//! The emulator's request log and the fault proxy, end to end: HTTPS requests sent (by the
//! project's Python, the crate having no TLS client) through a proxy are counted by both.

use std::process::Command;

use bankinfra_testkit::{Emulator, Fault, FaultProxy, Faults, LoggedRequest, python};

/// POSTs a signed-looking STS query request to endpoint, trusting ca; the HTTP status, or 0 when
/// the connection closed without an answer.
fn get_caller_identity(endpoint: &str, ca: &std::path::Path) -> u16 {
    let script = r#"
import http.client, ssl, sys
host, port = sys.argv[1].removeprefix("https://").split(":")
conn = http.client.HTTPSConnection(host, int(port), context=ssl.create_default_context(cafile=sys.argv[2]))
auth = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sts/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=0")
try:
    conn.request("POST", "/", body="Action=GetCallerIdentity&Version=2011-06-15", headers={
        "Authorization": auth, "X-Amz-Date": "20240101T000000Z",
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    response = conn.getresponse()
    response.read()
    print(response.status)
except http.client.RemoteDisconnected:
    print(0)
"#;
    let output = Command::new(python()).args(["-c", script, endpoint]).arg(ca).output().expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().parse().expect("a status")
}

#[test]
fn requests_through_the_proxy_are_counted_by_the_proxy_and_the_emulator() {
    let emulator = Emulator::start_with_request_log(&[]);
    assert_eq!(emulator.request_log(), [], "the readiness probe sends no request");

    let transparent = FaultProxy::start(&emulator, Faults::default());
    assert_eq!(get_caller_identity(&transparent.endpoint(), &emulator.ca_file()), 200);
    let through = transparent.requests();
    assert_eq!(through.len(), 1);
    assert_eq!(
        (through[0].service.as_deref(), through[0].operation.as_str(), through[0].fault, through[0].upstream_status),
        (Some("sts"), "GetCallerIdentity", None, Some(200))
    );
    let expected = LoggedRequest {
        service: Some("sts".into()),
        operation: "GetCallerIdentity".into(),
        method: "POST".into(),
        path: "/".into(),
        mutating: false,
    };
    assert_eq!(emulator.request_log(), std::slice::from_ref(&expected));
    assert_eq!(emulator.mutating_requests(), []);

    let throttling =
        FaultProxy::start(&emulator, Faults { fail_rate: 1.0, faults: &[Fault::Throttle], ..Faults::default() });
    assert_eq!(get_caller_identity(&throttling.endpoint(), &emulator.ca_file()), 400);
    let dropping =
        FaultProxy::start(&emulator, Faults { fail_rate: 1.0, faults: &[Fault::DropAfter], ..Faults::default() });
    assert_eq!(get_caller_identity(&dropping.endpoint(), &emulator.ca_file()), 0);
    assert_eq!((throttling.fault_count(Fault::Throttle), throttling.forwarded()), (1, 0));
    assert_eq!((dropping.fault_count(Fault::DropAfter), dropping.forwarded()), (1, 1));
    assert_eq!(emulator.request_log(), [expected.clone(), expected], "only the dropped-after request got through");
}
