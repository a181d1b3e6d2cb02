// A wallbox for the end-to-end tests in C++ (tests/e2e/solar_day_test.cpp): an OCPP 1.6J charge
// point on ocpp-rpc in strict mode (every message offpeakd sends is validated against the
// official OCPP 1.6 JSON schemas; a violation comes back as a CALLERROR and is reported here),
// with a car plugged in that draws what the charging profile's limit allows.
//
// Environment: OCPP_URL (ws://127.0.0.1:PORT/ocpp), OCPP_ID, OCPP_PASSWORD, SPEED (the daemon's
// virtual clock: the energy register counts virtual time), VOLTAGE (default 230); with
// BATTERY_KWH and INITIAL_SOC the car's SoC (90 % efficiency) goes with the meter values, sent
// then also outside a transaction (for `vehicle.source: charger`).
// Output, one JSON object a line on stdout:
//   {"ev":"connected"} | {"ev":"limit","limit":A,"phases":N} | {"ev":"status","status":S} |
//   {"ev":"invalid","what":...} (a message that broke the schema, or a limit not in 0.1 A)
// It sends MeterValues (energy register and power) every 250 ms of wall time while a
// transaction is open.
'use strict';

const { RPCClient } = require('ocpp-rpc');

const speed = Number(process.env.SPEED || '1');
const voltage = Number(process.env.VOLTAGE || '230');
const out = (o) => process.stdout.write(JSON.stringify({ at: Date.now(), ...o }) + '\n');

const cli = new RPCClient({
  endpoint: process.env.OCPP_URL,
  identity: process.env.OCPP_ID || 'CP01',
  password: process.env.OCPP_PASSWORD,
  protocols: ['ocpp1.6'],
  strictMode: true,
  reconnect: true,
  callTimeoutMs: 10000,
});

const cp = { status: 'Available', tx: null, limit: 0, phases: 1, energyWh: 1000 };

cli.on('strictValidationFailure', (e) => out({ ev: 'invalid', what: String(e && (e.error || e.message) || e) }));
cli.on('badMessage', (e) => out({ ev: 'invalid', what: 'bad message: ' + String(e && e.error) }));

async function setStatus(status) {
  if (cp.status === status) return;
  cp.status = status;
  out({ ev: 'status', status });
  await cli.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status });
}

async function follow() {
  if (cp.tx === null) return;
  await setStatus(cp.limit > 0 ? 'Charging' : 'SuspendedEVSE');
}

cli.handle('SetChargingProfile', ({ params }) => {
  const p = params.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0];
  const tenths = p.limit * 10;
  if (Math.abs(tenths - Math.round(tenths)) > 1e-9) out({ ev: 'invalid', what: `limit ${p.limit}` });
  cp.limit = p.limit;
  cp.phases = p.numberPhases || 1;
  out({ ev: 'limit', limit: p.limit, phases: cp.phases });
  setImmediate(() => follow().catch(() => {}));
  return { status: 'Accepted' };
});
cli.handle('GetConfiguration', () => ({
  configurationKey: [{ key: 'ChargeProfileMaxStackLevel', readonly: true, value: '5' }],
}));
cli.handle('RemoteStartTransaction', ({ params }) => {
  setImmediate(async () => {
    try {
      const r = await cli.call('StartTransaction', { connectorId: 1, idTag: params.idTag,
        meterStart: Math.round(cp.energyWh), timestamp: new Date().toISOString() });
      cp.tx = r.transactionId;
      await setStatus('SuspendedEVSE');
      await follow();
    } catch (e) { /* closed */ }
  });
  return { status: 'Accepted' };
});
cli.handle('RemoteStopTransaction', () => ({ status: 'Accepted' }));
cli.handle('TriggerMessage', () => ({ status: 'Accepted' }));

// The car's power now (W): the limit while Charging.
const power = () => (cp.status === 'Charging' ? cp.limit * voltage * cp.phases : 0);

const batteryKwh = Number(process.env.BATTERY_KWH || '0');
const startWh = cp.energyWh;
const soc = () => Math.min(100, Number(process.env.INITIAL_SOC || '0') +
  ((cp.energyWh - startWh) * 0.9 / 1000 / batteryKwh) * 100);

let last = Date.now();
let ready = false;
setInterval(() => {
  const now = Date.now();
  const w = power();
  cp.energyWh += (w * (now - last) / 1000 * speed) / 3600;
  last = now;
  if (!ready || (cp.tx === null && !batteryKwh)) return;
  const sampledValue = [
    { value: (cp.energyWh / 1000).toFixed(4), unit: 'kWh', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' },
    { value: w.toFixed(0), unit: 'W', measurand: 'Power.Active.Import', context: 'Sample.Periodic' },
  ];
  if (batteryKwh) sampledValue.push({ value: soc().toFixed(1), unit: 'Percent', measurand: 'SoC', location: 'EV', context: 'Sample.Periodic' });
  cli.call('MeterValues', { connectorId: 1, transactionId: cp.tx ?? undefined, meterValue: [{
    timestamp: new Date().toISOString(), sampledValue }] }).catch(() => {});
}, 250);

(async () => {
  await cli.connect();
  await cli.call('BootNotification', { chargePointVendor: 'Alfen BV', chargePointModel: 'Eve Single',
    firmwareVersion: '6.3.0' });
  out({ ev: 'connected' });
  await setStatus('Preparing');  // a car is plugged in
  ready = true;
})().catch((e) => { out({ ev: 'error', what: String(e) }); process.exit(1); });

process.on('SIGTERM', () => { cli.close({ force: true }).finally(() => process.exit(0)); });
