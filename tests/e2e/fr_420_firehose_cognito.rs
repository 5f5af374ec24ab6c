//! FR-420 (Firehose and Cognito parts): the CDC and usage delivery streams into the data lake,
//! and the customer and staff user pools with their app clients, all published to SSM. Client
//! secrets never appear in any output.

use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;

use crate::harness::{Env, STAGE, changes, expect_changes};

#[tokio::test]
async fn fr_420_firehose_streams_deliver_compressed_encrypted_partitioned_data() {
    let env = Env::new().await;
    env.apply();
    let firehose = env.firehose();
    let financial = env.param("kms/financial/arn").await.unwrap();
    let iceberg = env.param("s3/iceberg/arn").await.unwrap();
    for (key, name, prefix) in [
        ("cdc", "bank-cdc-stream", "cdc/source=neon/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"),
        ("usage", "bank-usage-events", "usage/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"),
    ] {
        let described = firehose.describe_delivery_stream().delivery_stream_name(name).send().await.unwrap();
        let stream = described.delivery_stream_description().unwrap();
        let sse = stream.delivery_stream_encryption_configuration().unwrap();
        assert_eq!(sse.key_arn(), Some(financial.as_str()), "{name} is encrypted with the financial key");
        let s3 = stream.destinations()[0].extended_s3_destination_description().unwrap();
        assert_eq!(s3.bucket_arn(), iceberg, "{name} delivers to the iceberg bucket");
        assert_eq!(s3.prefix(), Some(prefix), "{name} partitions by time");
        assert!(s3.error_output_prefix().is_some_and(|p| p.starts_with(&format!("errors/{key}/"))), "{name}");
        let hints = s3.buffering_hints().unwrap();
        assert_eq!((hints.size_in_mbs(), hints.interval_in_seconds()), (Some(128), Some(300)), "{name} buffers");
        assert_eq!(s3.compression_format().as_str(), "GZIP");
        let kms = s3.encryption_configuration().and_then(|e| e.kms_encryption_config()).unwrap();
        assert_eq!(kms.awskms_key_arn(), financial, "{name} objects use the financial key");
        let logging = s3.cloud_watch_logging_options().unwrap();
        assert_eq!(logging.enabled(), Some(true), "{name} logs delivery errors");
        assert_eq!(logging.log_group_name(), Some(format!("/aws/kinesisfirehose/bank-platform-{STAGE}").as_str()));
        assert!(s3.role_arn().ends_with(&format!(":role/bank-platform-firehose-{STAGE}")), "{}", s3.role_arn());
        assert_eq!(env.param(&format!("firehose/{key}/arn")).await.as_deref(), Some(stream.delivery_stream_arn()));
    }
    env.assert_no_changes();
}

#[tokio::test]
async fn fr_420_user_pools_with_totp_password_policy_attributes_and_clients() {
    let env = Env::new().await;
    env.apply();
    let cognito = env.cognito();
    let expected = [
        ("customers", 12, &["user_id", "party_id", "jurisdiction"][..], &[("mobile", false), ("web", false)][..]),
        ("staff", 14, &["staff_id"][..], &[("back-office", true), ("api-authoriser", true)][..]),
    ];
    for (key, min_length, attributes, clients) in expected {
        let id = env.param(&format!("cognito/{key}/pool-id")).await.expect("pool id is published");
        let pool = cognito.describe_user_pool().user_pool_id(&id).send().await.unwrap();
        let pool = pool.user_pool().unwrap();
        assert_eq!(pool.name(), Some(format!("bank-{key}-{STAGE}").as_str()));
        assert_eq!(env.param(&format!("cognito/{key}/arn")).await.as_deref(), pool.arn());
        let mfa = cognito.get_user_pool_mfa_config().user_pool_id(&id).send().await.unwrap();
        assert_eq!(mfa.mfa_configuration(), Some(&UserPoolMfaType::On), "{key}: MFA required");
        assert!(mfa.software_token_mfa_configuration().is_some_and(|t| t.enabled()), "{key}: TOTP");
        let policy = pool.policies().unwrap().password_policy().unwrap();
        assert_eq!(policy.minimum_length(), Some(min_length), "{key}");
        assert!(
            policy.require_uppercase()
                && policy.require_lowercase()
                && policy.require_numbers()
                && policy.require_symbols()
        );
        for attribute in attributes {
            let name = format!("custom:{attribute}");
            assert!(pool.schema_attributes().iter().any(|a| a.name() == Some(name.as_str())), "{key} has {name}");
        }
        assert_eq!(pool.deletion_protection().map(|d| d.as_str()), Some("INACTIVE"), "local is not protected");

        for (client, confidential) in clients {
            let client_id = env.param(&format!("cognito/{key}/client/{client}")).await.expect("client id is published");
            let described =
                cognito.describe_user_pool_client().user_pool_id(&id).client_id(&client_id).send().await.unwrap();
            let described = described.user_pool_client().unwrap();
            assert_eq!(described.client_name(), Some(*client));
            assert_eq!(described.client_secret().is_some(), *confidential, "{client}: confidential = {confidential}");
            assert!(
                described.allowed_o_auth_flows().iter().any(|f| f.as_str() == "code"),
                "{client}: code flow (PKCE)"
            );
        }
    }
    // The secrets exist in Cognito, but no output of bankinfra shows them.
    let id = env.param("cognito/staff/pool-id").await.unwrap();
    let client_id = env.param("cognito/staff/client/back-office").await.unwrap();
    let described = cognito.describe_user_pool_client().user_pool_id(&id).client_id(&client_id).send().await.unwrap();
    let secret = described.user_pool_client().unwrap().client_secret().unwrap().to_string();
    let plan = env.run_expect(&["plan", "--stage", STAGE, "--json"], 0);
    let outputs = env.run_expect(&["outputs", "--stage", STAGE, "--json"], 0);
    let text = env.run_expect(&["plan", "--stage", STAGE], 0);
    for shown in [plan, outputs, text] {
        assert!(!shown.contains(&secret), "a client secret leaked into bankinfra's output");
    }
    env.assert_no_changes();
}

#[tokio::test]
async fn fr_420_out_of_band_firehose_and_cognito_changes_are_planned_exactly_and_repaired() {
    let env = Env::new().await;
    env.apply();
    let cognito = env.cognito();
    let staff = env.param("cognito/staff/pool-id").await.unwrap();
    let pool = cognito.describe_user_pool().user_pool_id(&staff).send().await.unwrap();
    let pool = pool.user_pool().unwrap();
    let weaker = aws_sdk_cognitoidentityprovider::types::PasswordPolicyType::builder()
        .minimum_length(8)
        .require_uppercase(true)
        .require_lowercase(true)
        .require_numbers(true)
        .require_symbols(true)
        .temporary_password_validity_days(7)
        .build();
    cognito
        .update_user_pool()
        .user_pool_id(&staff)
        .policies(aws_sdk_cognitoidentityprovider::types::UserPoolPolicyType::builder().password_policy(weaker).build())
        .mfa_configuration(UserPoolMfaType::On)
        .set_auto_verified_attributes(Some(pool.auto_verified_attributes().to_vec()))
        .set_user_pool_tags(pool.user_pool_tags().cloned())
        .send()
        .await
        .unwrap();
    let customers = env.param("cognito/customers/pool-id").await.unwrap();
    let web = env.param("cognito/customers/client/web").await.unwrap();
    let client = cognito.describe_user_pool_client().user_pool_id(&customers).client_id(&web).send().await.unwrap();
    let client = client.user_pool_client().unwrap();
    cognito
        .update_user_pool_client()
        .user_pool_id(&customers)
        .client_id(&web)
        .client_name("web")
        .set_explicit_auth_flows(Some(client.explicit_auth_flows().to_vec()))
        .set_allowed_o_auth_flows(Some(client.allowed_o_auth_flows().to_vec()))
        .allowed_o_auth_flows_user_pool_client(true)
        .set_allowed_o_auth_scopes(Some(client.allowed_o_auth_scopes().to_vec()))
        .callback_urls("https://attacker.example/callback")
        .set_logout_urls(Some(client.logout_urls().to_vec()))
        .set_supported_identity_providers(Some(client.supported_identity_providers().to_vec()))
        .set_prevent_user_existence_errors(client.prevent_user_existence_errors().cloned())
        .set_enable_token_revocation(client.enable_token_revocation())
        .set_access_token_validity(client.access_token_validity())
        .set_id_token_validity(client.id_token_validity())
        .refresh_token_validity(client.refresh_token_validity())
        .set_token_validity_units(client.token_validity_units().cloned())
        .send()
        .await
        .unwrap();
    let firehose = env.firehose();
    let described = firehose.describe_delivery_stream().delivery_stream_name("bank-usage-events").send().await.unwrap();
    let stream = described.delivery_stream_description().unwrap();
    firehose
        .update_destination()
        .delivery_stream_name("bank-usage-events")
        .current_delivery_stream_version_id(stream.version_id())
        .destination_id(stream.destinations()[0].destination_id())
        .extended_s3_destination_update(
            aws_sdk_firehose::types::ExtendedS3DestinationUpdate::builder()
                .compression_format(aws_sdk_firehose::types::CompressionFormat::Uncompressed)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let mut found = changes(&env.plan_json(2));
    found.sort();
    let expected = expect_changes(&[
        ("cognito_user_pool.staff", "update", &["password_policy.minimum_length"]),
        ("cognito_user_pool_client.customers-web", "update", &["callback_urls"]),
        ("firehose_stream.usage", "update", &["compression"]),
    ]);
    assert_eq!(found, expected);
    env.apply();
    env.assert_no_changes();
}
