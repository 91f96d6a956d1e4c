/**
 * Names for the parts of a fully resolved Midge configuration. The shape is
 * derived from the schema (`schema.ts`), which fills defaults and validates
 * user files into it, so a key is described once, there, with its doc text.
 * The broker and everything else only ever sees a `MidgeConfig`.
 */
import type { configSchema } from './schema.js';
import type { ConfigFromSchema } from './schema-spec.js';

export type MidgeConfig = ConfigFromSchema<typeof configSchema>;

export type LogConfig = MidgeConfig['log'];
export type LogLevel = LogConfig['level'];
export type ListenerConfig = MidgeConfig['listeners'][number];
export type MqttConfig = MidgeConfig['mqtt'];
export type SysConfig = MidgeConfig['sys'];
export type PersistenceConfig = MidgeConfig['persistence'];
export type AuthConfig = MidgeConfig['auth'];
export type MetricsConfig = MidgeConfig['metrics'];
export type ProcessConfig = MidgeConfig['process'];
/** One serial device (ESP8266, Arduino, GPS...); see docs/serial.md. */
export type SerialDeviceConfig = MidgeConfig['serial'][number];
export type GpioConfig = MidgeConfig['gpio'];
export type GpioDriverName = GpioConfig['driver'];
export type GpioPinConfig = GpioConfig['pins'][number];
export type GpioReservedPin = GpioConfig['reserved'][number];
export type HealthConfig = MidgeConfig['health'];
export type HomeAssistantConfig = MidgeConfig['homeassistant'];
/** One `bridges[]` entry (see schema-bridge.ts for the docs of each key). */
export type BridgeConfig = MidgeConfig['bridges'][number];
/** Cloud profile of a bridge. */
export type BridgeType = BridgeConfig['type'];
