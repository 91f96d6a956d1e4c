/**
 * The package entry point (`import { startGateway } from 'midge'`): what an
 * application embedding the gateway needs to build a configuration, start
 * and stop the gateway and plug in its own checks (hooks, docs/security.md).
 * The command line (`midge`, src/cli.ts) is built on the same pieces.
 */
export { startGateway } from './gateway.js';
export type { Gateway, Reloader } from './gateway.js';
export type { AuthResult, BrokerHooks, ClientInfo } from './broker/hooks.js';
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
