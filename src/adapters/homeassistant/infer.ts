/**
 * Home Assistant classes for a reading field, guessed from its name:
 * `temperature`, `bme280.humidity`, `vbat`, `power_w`... The last dotted
 * segment is matched against known names and unit suffixes; anything else
 * is a plain numeric sensor. Pure.
 */
export interface FieldClass {
  deviceClass?: string;
  unit?: string;
  stateClass: 'measurement' | 'total_increasing';
}

const m = (deviceClass: string | undefined, unit: string | undefined): FieldClass => ({ deviceClass, unit, stateClass: 'measurement' });

/** Whole names (after lower-casing and dropping `-`). */
const NAMES: Record<string, FieldClass> = {
  temperature: m('temperature', '°C'), temp: m('temperature', '°C'), celsius: m('temperature', '°C'),
  humidity: m('humidity', '%'), hum: m('humidity', '%'), rh: m('humidity', '%'),
  pressure: m('pressure', 'hPa'), press: m('pressure', 'hPa'), baro: m('pressure', 'hPa'),
  voltage: m('voltage', 'V'), volt: m('voltage', 'V'), volts: m('voltage', 'V'), vbat: m('voltage', 'V'), vcc: m('voltage', 'V'),
  current: m('current', 'A'), amps: m('current', 'A'),
  power: m('power', 'W'), watts: m('power', 'W'),
  energy: { deviceClass: 'energy', unit: 'kWh', stateClass: 'total_increasing' }, kwh: { deviceClass: 'energy', unit: 'kWh', stateClass: 'total_increasing' },
  co2: m('carbon_dioxide', 'ppm'), eco2: m('carbon_dioxide', 'ppm'),
  pm25: m('pm25', 'µg/m³'), pm2_5: m('pm25', 'µg/m³'), pm10: m('pm10', 'µg/m³'), pm1: m('pm1', 'µg/m³'),
  illuminance: m('illuminance', 'lx'), lux: m('illuminance', 'lx'),
  battery: m('battery', '%'),
  rssi: m('signal_strength', 'dBm'),
  altitude: m('distance', 'm'), alt: m('distance', 'm'),
  moisture: m('moisture', '%'),
};

/** Unit suffixes: `power_w`, `temp_c`, `flow_lpm` is not known and stays plain. */
const SUFFIXES: Array<[string, FieldClass]> = [
  ['_c', m('temperature', '°C')], ['_f', m('temperature', '°F')],
  ['_v', m('voltage', 'V')], ['_mv', m('voltage', 'mV')], ['_a', m('current', 'A')], ['_ma', m('current', 'mA')],
  ['_w', m('power', 'W')], ['_kwh', { deviceClass: 'energy', unit: 'kWh', stateClass: 'total_increasing' }],
  ['_hpa', m('pressure', 'hPa')], ['_pa', m('pressure', 'Pa')], ['_lux', m('illuminance', 'lx')], ['_ppm', m('carbon_dioxide', 'ppm')],
  ['_pct', m(undefined, '%')], ['_percent', m(undefined, '%')],
];

export function inferFieldClass(field: string): FieldClass {
  const last = field.slice(field.lastIndexOf('.') + 1).toLowerCase().replace(/-/g, '_');
  if (Object.hasOwn(NAMES, last)) return NAMES[last];
  const compact = last.replace(/_/g, '');
  if (Object.hasOwn(NAMES, compact)) return NAMES[compact];
  for (const [suffix, cls] of SUFFIXES) if (last.endsWith(suffix) && last.length > suffix.length) return cls;
  for (const [name, cls] of Object.entries(NAMES)) if (name.length > 3 && last.includes(name)) return cls;
  return { stateClass: 'measurement' };
}
