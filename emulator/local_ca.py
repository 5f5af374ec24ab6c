"""A local certificate authority and the emulator's HTTPS certificate, kept in one directory.

AWS endpoints are HTTPS. With --tls-dir DIR the launcher serves HTTPS with DIR/server.pem (and
DIR/server-key.pem), a certificate for 127.0.0.1, ::1 and localhost signed by the local CA in
DIR/ca.pem, which clients trust (boto3: verify=DIR/ca.pem; the Rust SDK, curl, OpenSSL:
SSL_CERT_FILE=DIR/ca.pem). The files are made once and reused while the certificate is valid;
the CA's private key is not kept (a new CA is made whenever the certificate is).
"""

import datetime
import fcntl
import ipaddress
import os

CA = "ca.pem"
CERTIFICATE = "server.pem"
PRIVATE_KEY = "server-key.pem"
LOCK = ".lock"
NAMES = ("localhost",)
ADDRESSES = ("127.0.0.1", "::1")
VALIDITY = datetime.timedelta(days=3650)
# A certificate this close to its end is made again rather than reused.
RENEW_BEFORE = datetime.timedelta(days=30)


def server_certificate(directory):
    """The paths (certificate, private key) of the HTTPS certificate in directory, made (with
    the CA that signs it) unless the directory has a valid one."""
    os.makedirs(directory, exist_ok=True)
    paths = [os.path.join(directory, name) for name in (CA, CERTIFICATE, PRIVATE_KEY)]
    # One launcher makes the files while any other starting with the same directory waits.
    with open(os.path.join(directory, LOCK), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _usable(*paths):
            _make(*paths)
    return paths[1], paths[2]


def _usable(ca_path, certificate_path, key_path):
    from cryptography import x509

    if not all(os.path.isfile(p) for p in (ca_path, certificate_path, key_path)):
        return False
    try:
        with open(certificate_path, "rb") as f:
            certificate = x509.load_pem_x509_certificate(f.read())
        with open(ca_path, "rb") as f:
            ca = x509.load_pem_x509_certificate(f.read())
        certificate.verify_directly_issued_by(ca)
    except (ValueError, TypeError, x509.InvalidSignature):
        return False
    now = datetime.datetime.now(datetime.timezone.utc)
    return certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc - RENEW_BEFORE


def _make(ca_path, certificate_path, key_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + VALIDITY
    ca_key = ec.generate_private_key(ec.SECP256R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bankinfra emulator local CA")])
    ca_identifier = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_identifier, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    names = [x509.DNSName(n) for n in NAMES]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ADDRESSES]
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAMES[0])]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_identifier),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = server_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # The key first, so that a certificate on disk never names a key that isn't there yet.
    _write(key_path, key, 0o600)
    _write(certificate_path, server.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(ca_path, ca.public_bytes(serialization.Encoding.PEM), 0o644)


def _write(path, data, mode):
    """Writes path whole or not at all."""
    partial = f"{path}.{os.getpid()}.tmp"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as f:
        f.write(data)
    os.replace(partial, path)
