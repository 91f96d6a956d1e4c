/**
 * Schema of the `gpio` section: driver choice, chip, reserved pins and the
 * pin list. Cross-field rules (unique names and pins, reserved pins,
 * direction-specific keys) are in `validate-gpio.ts`.
 */
import type { Fields } from './schema-spec.js';
import { bool, int, oneOf, str } from './schema-fields.js';

/** Highest line number accepted: Pi chips have 54 lines, router SoCs a few hundred. */
export const MAX_GPIO_LINE = 1023;

const pinFields = {
  name: str('', 'Required. Name used in topics (<topic_prefix>/gpio/<name>) and Home Assistant: lower case letters, digits, _ and -.', 0, 64),
  pin: int(0, MAX_GPIO_LINE, -1, 'Required. Line number on the chip: the BCM number on a Raspberry Pi (GPIO17 = 17), not the physical header pin.', { also: [-1] }),
  direction: oneOf(['in', 'out'], 'in', 'in: an input published as payload_on/payload_off; out: an output driven by <topic_prefix>/gpio/<name>/set.'),
  edge: oneOf(['both', 'rising', 'falling'], 'both', 'Inputs: transitions published and counted; rising = OFF to ON only, falling = ON to OFF only (after active_low).'),
  debounce_ms: int(0, 60000, 50, 'Inputs: a new level must stay stable this long before it is published; 0 = no debounce. Use a few ms for meter pulses.', { unit: 'ms' }),
  active_low: bool(false, 'ON means the line is low (a button to ground with a pull-up, a relay board driven low). Applies to inputs and outputs.'),
  bias: oneOf(['as-is', 'pull-up', 'pull-down', 'disable'], 'as-is', 'Inputs: internal pull resistor. Only the chardev driver can set it; with onoff use config.txt (gpio=17=pu) instead.'),
  payload_on: str('ON', 'State payload for ON, published retained and accepted on /set.', 1, 64),
  payload_off: str('OFF', 'State payload for OFF, published retained and accepted on /set.', 1, 64),
  counter: bool(false, 'Inputs: count ON transitions and publish <name>/count and <name>/rate (pulses per minute, over the last minute), e.g. for S0 energy meters.'),
  initial: oneOf(['off', 'on'], 'off', 'Outputs: level set when the line is opened.'),
  safe_state: oneOf(['off', 'on', 'keep'], 'off', 'Outputs: level left on the line when midge stops (keep = leave as it is).'),
  pulse_ms: int(0, 3600000, 0, 'Outputs: an ON command turns the output OFF again after this long (door openers, resets); 0 = stays on. A JSON command {"state":"ON","pulse_ms":500} overrides it.', { unit: 'ms' }),
} as const satisfies Fields;

const reservedFields = {
  pin: int(0, MAX_GPIO_LINE, -1, 'Required. Line number (BCM on a Raspberry Pi) that no entry of gpio.pins may use.', { also: [-1] }),
  reason: str('reserved', 'Why the pin is reserved; shown in the config error.', 1, 200),
} as const satisfies Fields;

export const gpioFields = {
  driver: oneOf(['auto', 'onoff', 'chardev', 'simulated'], 'auto',
    'auto: chardev when /dev/gpiochip* exists and node-libgpiod loads, else onoff when /sys/class/gpio exists. onoff (sysfs, interrupt-driven edges), chardev (libgpiod, pull-up/down bias, inputs polled), simulated (no hardware; inputs driven by <name>/simulate).'),
  chip: str('auto', 'GPIO chip: auto (the Raspberry Pi header chip found by label: pinctrl-bcm2835, pinctrl-bcm2711 or pinctrl-rp1; else the first chip), a chip name (gpiochip4) or a label.', 1, 128),
  sysfs_base: int(0, 65535, -1, 'onoff driver: sysfs number of line 0 of the chip; -1 = read from /sys/class/gpio/gpiochip*/base (512 on a Pi 4 and 571 on a Pi 5 with kernel 6.6+, 0 before).', { also: [-1] }),
  poll_ms: int(1, 1000, 10, 'chardev driver: input polling period (node-libgpiod has no edge events); pulses shorter than this can be missed.', { unit: 'ms' }),
  topic_prefix: str('midge/{hostname}', 'Topics are <topic_prefix>/gpio/<name>; {hostname} is replaced by the host name.', 1, 200),
  serial_console: bool(false, 'Reserve BCM 14 and 15 (the Raspberry Pi UART used by the serial console); set it when the console or a HAT uses the UART.'),
  reserved: { type: 'list', minItems: 0, default: [], item: reservedFields, description: 'Pins no entry of gpio.pins may use (board configs list the ID EEPROM, UART, I2C and SPI pins).' },
  pins: { type: 'list', minItems: 0, default: [], item: pinFields, description: 'GPIO pins to publish (inputs) or drive (outputs); empty = the GPIO adapter does not start.' },
} as const satisfies Fields;
