/**
 * The package entry point (`import { startGateway } from 'midge'`): what an
 * application embedding the gateway needs to build a configuration, start
 * and stop the gateway, plug in its own checks (hooks, docs/security.md) and
 * follow its events (docs/embedding.md). The command line (`midge`,
 * src/cli.ts) is built on the same pieces (src/gateway.ts).
 */
export { startGateway } from './embed/start-gateway.js';
export type { EmbeddedGateway, GatewayOptions } from './embed/start-gateway.js';
export type { DeepPartial, GatewayConfigInput } from './embed/config-input.js';
export type { BridgeStateEvent, GatewayEventName, GatewayEvents, GatewayEventSource, GatewayListener } from './embed/events.js';
export type { AuthResult, BrokerHooks, ClientInfo } from './broker/hooks.js';
export type { ListenerAddress } from './broker/listeners.js';
export type { LocalPublishOptions } from './bus.js';
export type { MessageProperties, QoS, StoredMessage } from './persistence/types.js';
export type { BridgeState, BridgeStatus } from './status-types.js';
export { defaultConfig, loadConfigFile, parseConfigText } from './config/load.js';
export { validateConfig } from './config/validate.js';
export type {
  AuthConfig,
  BridgeConfig,
  BridgeType,
  GpioConfig,
  HealthConfig,
  HomeAssistantConfig,
  ListenerConfig,
  LogConfig,
  MetricsConfig,
  MidgeConfig,
  MqttConfig,
  PersistenceConfig,
  ProcessConfig,
  SerialDeviceConfig,
  SysConfig,
} from './config/types.js';
export { createLogger } from './log.js';
export { BridgeError, ConfigError, DeviceError, ERR, GatewayError, StoreError } from './errors.js';
export type { BridgeErrorCode, ErrorCode, StoreErrorCode } from './errors.js';
export { VERSION } from './version.js';
