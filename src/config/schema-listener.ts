/** Schema of one `listeners[]` entry, and the integer bounds the schemas share. */
import { MAX_PACKET_SIZE } from '../limits.js';
import type { Fields } from './schema-spec.js';
import { bool, int, optStr } from './schema-fields.js';

export const U16 = 65535;
export const I32 = 2147483647;
export const U32 = 4294967295;

export const listenerFields = {
  host: {
    type: 'string', minLength: 1, maxLength: 253, format: 'host', default: '127.0.0.1',
    description: 'Address to bind. The default accepts local clients only (like mosquitto 2); use 0.0.0.0 or :: for all interfaces.',
  },
  port: int(0, U16, 1883, 'TCP port; 0 picks a free port (useful in tests).'),
  protocol: {
    type: 'enum', values: ['mqtt', 'websockets'], default: 'mqtt',
    description: 'Wire protocol: mqtt (MQTT over TCP, MQTTS with TLS) or websockets (MQTT over WebSocket, WSS with TLS).',
  },
  socket_path: optStr('Listen on this Unix domain socket instead of host and port (which are then ignored); local clients only.', 4096),
  ws_path: optStr('websockets only: the one HTTP path accepted (e.g. /mqtt); unset accepts any path, as mosquitto does.', 1024),
  allow_anonymous: {
    type: 'boolean', optional: true, default: undefined,
    description:
      'Allow clients that send no username. Unset means true on a loopback host or Unix socket; a listener on any other host must set it explicitly. With auth.password_file set, unset means false everywhere.',
  },
  max_connections: int(1, I32, -1, 'Maximum simultaneous connections on this listener; -1 = unlimited.', { also: [-1] }),
  certfile: optStr('PEM server certificate (chain). With keyfile it turns TLS on: MQTTS, or WSS for websockets. Reloaded on SIGHUP.', 4096),
  keyfile: optStr('PEM private key of certfile (unencrypted). Reloaded on SIGHUP.', 4096),
  cafile: optStr('PEM CA certificate(s) that client certificates must chain to (needed by require_certificate).', 4096),
  crlfile: optStr("PEM certificate revocation list(s). A client certificate is refused unless the CRL of its issuing CA is in the file and does not list it (as mosquitto); a CA certificate of the chain is checked too when its issuer's CRL is in the file. Reloaded on SIGHUP.", 4096),
  require_certificate: bool(false, 'Mutual TLS: refuse clients without a valid certificate signed by cafile.'),
  use_identity_as_username: bool(false, "Use the client certificate's Common Name as the username; the CONNECT username and password are ignored. A client without a certificate (always so without require_certificate, as mosquitto asks for none then) or without a Common Name gets CONNACK bad user name or password."),
  use_subject_as_username: bool(false, "Use the client certificate's subject in RFC 2253 form, as mosquitto writes it (e.g. CN=device-1,O=Acme,C=DE), as the username; otherwise as use_identity_as_username, which wins when both are set."),
  ciphers: optStr('OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are not affected); unset = Node default.', 4096),
  tls_version: {
    type: 'enum', values: ['tlsv1.2', 'tlsv1.3'], default: 'tlsv1.2',
    description: 'Lowest TLS version accepted.',
  },
  mount_point: optStr('Topic prefix for the clients of this listener (mosquitto mount_point): added to the topics they publish and the filters they subscribe to, removed from the messages they receive; they cannot reach topics outside it. Unset: none.', 65535),
  acl_file: optStr('ACL file for the clients of this listener (mosquitto `acl_file` with `per_listener_settings true`), used for them instead of auth.acl_file; same syntax, reloaded on SIGHUP.', 4096),
  max_publish_rate: int(0, I32, 0, 'Per-client PUBLISH rate limit (token bucket, bursts up to one second worth); 0 = unlimited. v5 clients above it get DISCONNECT 0x96, 3.1.1 messages above it are dropped (and still acknowledged).', { unit: 'messages/second' }),
  max_packet_size: int(20, MAX_PACKET_SIZE, 0, 'Largest packet accepted on this listener, advertised to v5 clients as Maximum Packet Size (and the WebSocket message limit); larger packets get DISCONNECT 0x95 (v5) or a closed connection. 0 = mqtt.max_packet_size.', { also: [0], unit: 'bytes' }),
} as const satisfies Fields;
