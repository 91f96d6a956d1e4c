/** Topic templates: placeholders, field levels made safe, template checks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkTemplate, expandTemplate, fieldLevel, slug } from '../../src/topics/template.js';

describe('serial topic templates', () => {
  it('expands prefix, device, field and hostname', () => {
    assert.equal(expandTemplate('{prefix}/{device}/{field}', { prefix: 'gw/pi', device: 'esp-1', field: 'bme.t' }), 'gw/pi/esp-1/bme.t');
    assert.equal(expandTemplate('gw/{hostname}', { device: 'd', hostname: 'pi-4' }), 'gw/pi-4');
    assert.equal(expandTemplate('{device}/{field}', { device: 'd' }), 'd/{field}', 'no field: placeholder left');
  });

  const levels: Array<[string, string]> = [['a/b', 'a_b'], ['a+b#', 'a_b_'], ['', '_'], ['bme.t', 'bme.t'], ['Temp °C', 'Temp °C']];
  for (const [field, want] of levels) it(`field ${JSON.stringify(field)} → ${want}`, () => assert.equal(fieldLevel(field), want));

  const slugs: Array<[string, string]> = [['Pi-Kitchen.local', 'pi-kitchen-local'], ['BME280.Temperature', 'bme280-temperature'], ['__', 'x'], ['a_b', 'a-b']];
  for (const [text, want] of slugs) it(`slug ${text} → ${want}`, () => assert.equal(slug(text), want));

  it('checkTemplate accepts the defaults and names what is wrong', () => {
    assert.equal(checkTemplate('{prefix}/{device}/state', 'gw/{hostname}', 'esp'), null);
    assert.match(checkTemplate('{prefix}/{dev}/state', 'gw', 'esp') ?? '', /unknown placeholder \{dev\}/);
    assert.match(checkTemplate('{prefix}/+/state', 'gw', 'esp') ?? '', /gives 'gw\/\+\/state'/);
    assert.match(checkTemplate('{prefix}/{device}', 'gw/#', 'esp') ?? '', /wildcard|#/);
  });
});
