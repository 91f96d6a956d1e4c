/** The resolved shape of one `bridges[]` entry (see schema-bridge.ts for the docs of each key). */
export type BridgeType = 'aws' | 'azure' | 'generic';

export interface BridgeConfig {
  name: string | undefined;
  type: BridgeType;
  addresses: readonly string[];
  protocol_version: 'mqttv311' | 'mqttv50';
  client_id: string | undefined;
  keepalive: number;
  clean_session: boolean;
  session_expiry: number;
  username: string | undefined;
  password: string | undefined;
  cafile: string | undefined;
  certfile: string | undefined;
  keyfile: string | undefined;
  tls: boolean | undefined;
  tls_insecure: boolean;
  alpn: readonly string[];
  sni: string | undefined;
  topics: readonly string[];
  queue_qos0: boolean;
  max_queue_messages: number;
  max_queue_bytes: number;
  queue_policy: 'drop-oldest' | 'reject-new';
  message_ttl: number;
  max_inflight: number;
  max_publish_rate: number;
  batch_max_bytes: number;
  message_id: 'auto' | 'none' | 'user-property' | 'payload-field' | 'both';
  restart_timeout: string;
  start_type: 'automatic' | 'lazy';
  threshold: number;
  idle_timeout: number;
  notifications: boolean | undefined;
  notification_topic: string | undefined;
  aws_endpoint: string | undefined;
  aws_port: 8883 | 443;
  thing_name: string | undefined;
  basic_ingest_rule: string | undefined;
  shadow_interval: number;
  azure_hub: string | undefined;
  device_id: string | undefined;
  module_id: string | undefined;
  sas_key: string | undefined;
  sas_ttl: number;
  azure_local_prefix: string | undefined;
}
