// End-to-end: the real offpeakd as the OCPP 1.6J central system, driven by an independent
// OCPP implementation (ocpp-rpc, strict mode: every message offpeakd sends is validated
// against the official OCPP 1.6 JSON schemas, and a violation comes back as a CALLERROR
// instead of reaching the handler) and by raw WebSockets for hostile input.
//
// Run: OFFPEAKD_BIN=build/src/apps/offpeakd node --test tests/ocpp/ocpp_e2e.test.js
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { RPCClient } = require('ocpp-rpc');
const WebSocket = require('ws');

const OFFPEAKD = process.env.OFFPEAKD_BIN;
if (!OFFPEAKD) throw new Error('set OFFPEAKD_BIN to the offpeakd binary');
const PASSWORD = 'correct horse battery staple';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 20000, everyMs = 50) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

// offpeakd with a simulated car (plugged in from 18:00 to 07:45, 35 %, target 80 % by 07:30),
// the Go tariff (00:30-05:30 at 8.5p) and the OCPP switch on a free loopback port.
async function startDaemon({ speed = '300', start = '2026-01-10T23:50:00Z', switchExtra = '', tls = null, plugInAt = '18:00', source = null, maxCurrent = 32,
  charging = 'charging:\n  target_soc: 80\n  ready_by: "07:30"\n' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offpeak-ocpp-'));
  fs.writeFileSync(path.join(dir, 'ocpp-password'), PASSWORD + '\n', { mode: 0o600 });
  let tlsLines = '';
  if (tls) tlsLines = `  tls_cert: ${tls.cert}\n  tls_key: ${tls.key}\n`;
  fs.writeFileSync(path.join(dir, 'offpeak.yaml'),
    'timezone: Europe/London\n' +
    'vehicle:\n' +
    '  battery_kwh: 37.9\n' +
    '  max_charge_kw: 7.4\n' +
    '  efficiency: 0.9\n' +
    (source ? `  source: ${source}\n`
      : `  source: { type: simulator, initial_soc: 35, plug_in_at: "${plugInAt}", unplug_at: "07:45" }\n`) +
    '  poll: { charging: 5m, plugged: 15m, away: 60m }\n' +
    charging +
    'tariff:\n  name: Go\n  default: 24.5\n  periods: [ { start: "00:30", end: "05:30", price: 8.5 } ]\n' +
    'switch:\n  type: ocpp\n  listen: 127.0.0.1:0\n  charge_point_id: CP01\n  password_file: ocpp-password\n' +
    `  max_current_a: ${maxCurrent}\n` + tlsLines + switchExtra +
    `storage: { database: ${path.join(dir, 'offpeak.db')} }\n` +
    'api: { listen: "127.0.0.1:0" }\n');
  const logFile = path.join(dir, 'offpeakd.log');
  const out = fs.openSync(logFile, 'w');
  const proc = spawn(OFFPEAKD, ['--config', path.join(dir, 'offpeak.yaml'), '--speed', speed,
    '--start', start, '--log-level', 'debug'], { stdio: ['ignore', out, out] });
  const d = {
    dir, proc, exited: null,
    log: () => fs.readFileSync(logFile, 'utf8'),
    async stop() {
      if (d.exited === null) {
        proc.kill('SIGTERM');
        await waitFor('offpeakd to exit', () => d.exited !== null, 10000);
      }
      return d.exited;
    },
  };
  proc.on('exit', (code, sig) => { d.exited = code === null ? sig : code; });
  const ports = await waitFor('the listening lines', () => {
    const log = d.log();
    const o = /OCPP listening on 127\.0\.0\.1:(\d+)/.exec(log);
    const a = /API listening on 127\.0\.0\.1:(\d+)/.exec(log);
    if (d.exited !== null) throw new Error('offpeakd exited: ' + log);
    return o && a ? [Number(o[1]), Number(a[1])] : null;
  });
  [d.ocppPort, d.apiPort] = ports;
  d.api = (p) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: d.apiPort, path: p }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
  d.status = async () => JSON.parse((await d.api('/api/v1/status')).body);
  return d;
}

const limitOf = (p) => p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit;

// A charge point on ocpp-rpc in strict mode, with a small model of a wallbox: a profile's limit
// decides between Charging and SuspendedEVSE while a car is plugged in; meter values on demand.
function chargePoint(d, { identity = 'CP01', password = PASSWORD, endpoint, wsOpts } = {}) {
  const cli = new RPCClient({
    endpoint: endpoint || `ws://127.0.0.1:${d.ocppPort}/ocpp`,
    identity, password, protocols: ['ocpp1.6'], strictMode: true, reconnect: false,
    callTimeoutMs: 10000, wsOpts,
  });
  const cp = {
    cli, profiles: [], remoteStarts: [], remoteStops: [], calls: [],
    status: 'Available', tx: null, limit: null, energyWh: 1000, closed: false,
  };
  cli.on('close', () => { cp.closed = true; });
  const note = (method) => cp.calls.push({ method, at: Date.now() });
  cp.setStatus = async (status) => {
    cp.status = status;
    await cli.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status });
  };
  cp.follow = async () => {  // what a wallbox does with its limit
    if (cp.status === 'Available' || cp.status === 'Preparing') return;
    const want = cp.limit > 0 ? 'Charging' : 'SuspendedEVSE';
    if (cp.status !== want) await cp.setStatus(want);
  };
  cli.handle('SetChargingProfile', ({ params }) => {
    note('SetChargingProfile');
    cp.profiles.push({ at: Date.now(), params });
    cp.limit = limitOf(params);
    setImmediate(() => cp.follow().catch(() => {}));
    return { status: 'Accepted' };
  });
  cli.handle('GetConfiguration', ({ params }) => {
    note('GetConfiguration');
    assert.deepEqual(params.key, ['ChargeProfileMaxStackLevel']);
    return { configurationKey: [{ key: 'ChargeProfileMaxStackLevel', readonly: true, value: '5' }] };
  });
  cli.handle('RemoteStartTransaction', ({ params }) => {
    note('RemoteStartTransaction');
    cp.remoteStarts.push(params);
    setImmediate(async () => {
      try {
        const r = await cli.call('StartTransaction', { connectorId: 1, idTag: params.idTag,
          meterStart: Math.round(cp.energyWh), timestamp: new Date().toISOString() });
        cp.tx = r.transactionId;
        cp.status = 'SuspendedEVSE';
        await cp.follow();
      } catch (e) { /* closed */ }
    });
    return { status: 'Accepted' };
  });
  cli.handle('RemoteStopTransaction', ({ params }) => {
    note('RemoteStopTransaction');
    cp.remoteStops.push(params);
    return { status: 'Accepted' };
  });
  cli.handle('TriggerMessage', () => { note('TriggerMessage'); return { status: 'Accepted' }; });
  cp.boot = () => cli.call('BootNotification', { chargePointVendor: 'Alfen BV',
    chargePointModel: 'Eve Single', firmwareVersion: '6.3.0' });
  // Energy as kWh strings and power in W (as strings too), like many wallboxes send.
  cp.meter = async (addWh, powerW) => {
    cp.energyWh += addWh;
    await cli.call('MeterValues', { connectorId: 1, transactionId: cp.tx ?? undefined, meterValue: [{
      timestamp: new Date().toISOString(), sampledValue: [
        { value: (cp.energyWh / 1000).toFixed(3), unit: 'kWh', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' },
        { value: String(powerW), unit: 'W', measurand: 'Power.Active.Import', context: 'Sample.Periodic' },
      ] }] });
  };
  return cp;
}

// The car's SoC as a charger reads it over ISO 15118 and reports it: MeterValues, measurand SoC.
async function meterWithSoc(cp, addWh, powerW, soc) {
  cp.energyWh += addWh;
  await cp.cli.call('MeterValues', { connectorId: 1, transactionId: cp.tx ?? undefined, meterValue: [{
    timestamp: new Date().toISOString(), sampledValue: [
      { value: (cp.energyWh / 1000).toFixed(3), unit: 'kWh', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' },
      { value: String(powerW), unit: 'W', measurand: 'Power.Active.Import', context: 'Sample.Periodic' },
      { value: soc.toFixed(0), unit: 'Percent', measurand: 'SoC', location: 'EV', context: 'Sample.Periodic' },
    ] }] });
}

function rawSocket(d, { identity = 'CP01', password = PASSWORD, protocols = ['ocpp1.6'], auth = true } = {}) {
  const headers = {};
  if (auth) headers.Authorization = 'Basic ' + Buffer.from(`${identity}:${password}`).toString('base64');
  return new WebSocket(`ws://127.0.0.1:${d.ocppPort}/ocpp/${identity}`, protocols, { headers });
}

// Resolves with the HTTP status of a refused upgrade, or 101 when it was accepted.
function upgradeStatus(ws) {
  return new Promise((resolve) => {
    ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); res.resume(); });
    ws.on('open', () => { resolve(101); ws.close(); });
    ws.on('error', () => {});
  });
}

function messages(ws) {
  const got = [];
  ws.on('message', (m) => got.push(JSON.parse(m.toString())));
  return got;
}

test('a night: hold at boot and plug-in, release in the cheap run with RemoteStart, pause at the target, metered session', async (t) => {
  // The simulated car (its own charger) is plugged in from 00:00, so it draws nothing before
  // the wallbox holds it; the wallbox reports the plug-in at 23:5x.
  const d = await startDaemon({ plugInAt: '00:00' });
  t.after(() => d.stop());
  const cp = chargePoint(d);
  await cp.cli.connect();
  assert.equal(cp.cli.protocol, 'ocpp1.6');
  const bootAt = Date.now();
  const boot = await cp.boot();
  assert.equal(boot.status, 'Accepted');
  assert.ok(boot.interval > 0);
  assert.ok(!Number.isNaN(Date.parse(boot.currentTime)));
  // The hold goes out right after boot, at the charger's top stack level, after asking for it.
  await waitFor('the hold profile', () => cp.profiles.length >= 1, 5000);
  const holdMs = cp.profiles[0].at - bootAt;
  const prof = cp.profiles[0].params;
  assert.equal(prof.connectorId, 1);
  assert.equal(prof.csChargingProfiles.chargingProfilePurpose, 'TxDefaultProfile');
  assert.equal(prof.csChargingProfiles.stackLevel, 5);
  assert.equal(limitOf(prof), 0);
  // Fixed phases: no numberPhases (the charger's wiring decides).
  assert.equal(prof.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].numberPhases, undefined);
  assert.equal(cp.calls[0].method, 'GetConfiguration');
  assert.deepEqual((await cp.cli.call('Heartbeat', {})).currentTime.length > 0, true);
  assert.equal((await cp.cli.call('Authorize', { idTag: 'RFID1' })).idTagInfo.status, 'Accepted');
  const dt = await cp.cli.call('DataTransfer', { vendorId: 'com.example' });
  assert.ok(['Accepted', 'UnknownVendorId'].includes(dt.status));
  await cp.cli.call('FirmwareStatusNotification', { status: 'Idle' });
  await cp.cli.call('DiagnosticsStatusNotification', { status: 'Idle' });
  await cp.setStatus('Available');
  // Plug-in at 23:5x: held at 0 A, no RemoteStart (the cheap run begins at 00:30).
  const plugAt = Date.now();
  await cp.setStatus('Preparing');
  await waitFor('the plug-in log line', () => /charger CP01: plugged in \(Preparing\); holding at 0 A/.test(d.log()), 5000);
  const plugLogMs = Date.now() - plugAt;
  assert.equal(cp.remoteStarts.length, 0);
  let st = await d.status();
  assert.equal(st.charger.connected, true);
  assert.equal(st.charger.status, 'Preparing');
  assert.equal(st.charger.plugged_in, true);
  assert.equal(st.charger.model, 'Eve Single');
  // The run starts at 00:30 (about 8 s at 300x): 32 A, then RemoteStartTransaction.
  await waitFor('the release to 32 A', () => cp.profiles.some((p) => limitOf(p.params) === 32), 30000);
  await waitFor('RemoteStartTransaction', () => cp.remoteStarts.length === 1, 10000);
  assert.equal(cp.remoteStarts[0].idTag, 'offpeak');
  assert.equal(cp.remoteStarts[0].connectorId, 1);
  await waitFor('Charging', () => cp.status === 'Charging' && cp.tx !== null, 10000);
  // Meter while charging: 7.4 kW, about 600 Wh per real second at 300x.
  const meterStartWh = cp.energyWh;
  let stopSeen = false;
  for (let i = 0; i < 120 && !stopSeen; ++i) {
    await cp.meter(cp.status === 'Charging' ? 600 : 0, cp.status === 'Charging' ? 7400 : 0);
    if (i === 2) {
      st = await d.status();
      assert.equal(st.charger.status, 'Charging');
      assert.equal(st.charger.power_w, 7400);
      assert.equal(st.charger.limit_a, 32);
      assert.ok(Math.abs(st.charger.energy_wh - cp.energyWh) < 0.6, `${st.charger.energy_wh} vs ${cp.energyWh}`);
      const metrics = (await d.api('/metrics')).body;
      assert.match(metrics, /^offpeak_charger_connected 1$/m);
      assert.match(metrics, /^offpeak_charger_power_watts 7400$/m);
      assert.match(metrics, new RegExp(`^offpeak_charger_energy_wh ${cp.energyWh}$`, 'm'));
      if (process.env.OFFPEAK_BIN) {
        const out = execFileSync(process.env.OFFPEAK_BIN, ['status', '--url', `http://127.0.0.1:${d.apiPort}`]).toString();
        assert.match(out, /charger: +CP01 Charging, 7\.4 kW, limit 32 A, meter \d+\.\d\d kWh/);
      }
    }
    stopSeen = cp.profiles.some((p, k) => k > 1 && limitOf(p.params) === 0);
    await sleep(1000);
  }
  assert.ok(stopSeen, 'paused at the target with a 0 A profile\n' + d.log());
  await waitFor('SuspendedEVSE', () => cp.status === 'SuspendedEVSE', 5000);
  await cp.meter(0, 0);
  const meteredWh = cp.energyWh - meterStartWh;
  assert.equal(cp.remoteStops.length, 0, 'never RemoteStopTransaction');
  // Unplug: the session closes with the metered energy.
  await cp.cli.call('StopTransaction', { transactionId: cp.tx, meterStop: Math.round(cp.energyWh),
    timestamp: new Date().toISOString(), reason: 'EVDisconnected' });
  await cp.setStatus('Finishing');
  await cp.setStatus('Available');
  await waitFor('the unplug log line', () => /charger CP01: unplugged/.test(d.log()), 5000);
  const sessions = await waitFor('a closed session', async () => {
    const s = JSON.parse((await d.api('/api/v1/sessions')).body).sessions;
    return s.length && s[s.length - 1].ended_at ? s : null;
  }, 10000);
  const last = sessions[sessions.length - 1];
  // The metered energy, not the SoC estimate (the charge curve says about 17.8 kWh for the
  // SoC rise).
  assert.ok(Math.abs(last.energy_kwh - meteredWh / 1000) < 0.001, `${last.energy_kwh} kWh vs metered ${meteredWh / 1000}`);
  assert.ok(last.cost_p > 0);
  assert.match(d.log(), /charger CP01 connected from 127\.0\.0\.1 \(Alfen BV Eve Single, firmware 6\.3\.0\)/);
  assert.match(d.log(), /charger CP01: charging at 32 A \(7\.4 kW\)/);
  assert.equal(d.log().includes(PASSWORD), false, 'the password never reaches the log');
  await cp.cli.close();
  await waitFor('the disconnect line', () => /charger CP01 disconnected .*; commands wait for it/.test(d.log()), 5000);
  st = await d.status();
  assert.equal(st.charger.connected, false);
  assert.match((await d.api('/metrics')).body, /^offpeak_charger_connected 0$/m);
  assert.equal(await d.stop(), 0);
  console.log(`measured: boot -> hold profile ${holdMs} ms; Preparing -> hold logged ${plugLogMs} ms`);
});

test('vehicle.source type charger: the SoC from MeterValues plans the night, the charger pauses at the target', async (t) => {
  const d = await startDaemon({ source: '{ type: charger }' });
  t.after(() => d.stop());
  const cp = chargePoint(d);
  await cp.cli.connect();
  await cp.boot();
  await cp.setStatus('Available');
  await cp.setStatus('Preparing');
  // A SoC outside 0..100 is ignored; 40 % is the car's.
  await meterWithSoc(cp, 0, 0, 140);
  await meterWithSoc(cp, 0, 0, 40);
  const st = await waitFor('a plan from the charger\'s SoC', async () => {
    const s = await d.status();
    return s.soc === 40 && s.plan ? s : null;
  }, 10000);
  assert.equal(st.plugged_in, true);
  assert.match(d.log(), /need 16\.84 kWh from the grid \(40% -> 80%/);
  await waitFor('the release to 32 A', () => cp.profiles.some((p) => limitOf(p.params) === 32), 30000);
  await waitFor('Charging', () => cp.status === 'Charging', 10000);
  // 7.4 kW at 300x: about 600 Wh a real second; the car's SoC rises with it (90 % efficiency).
  let soc = 40;
  let paused = false;
  for (let i = 0; i < 60 && !paused; ++i) {
    const charging = cp.status === 'Charging';
    if (charging) soc = Math.min(100, soc + (600 * 0.9 / 37900) * 100);
    await meterWithSoc(cp, charging ? 600 : 0, charging ? 7400 : 0, soc);
    paused = cp.profiles.some((p, k) => k > 1 && limitOf(p.params) === 0);
    await sleep(1000);
  }
  assert.ok(paused, 'paused at the target with a 0 A profile\n' + d.log());
  assert.ok(soc >= 78 && soc <= 86, `paused at ${soc} %`);
  assert.equal(d.log().includes('requests of 40 allowed'), false);
  await cp.cli.close();
  assert.equal(await d.stop(), 0);
});

test('an energy target with no SoC source: planned in the cheap window, started, stopped when the metered kWh reach it', async (t) => {
  const d = await startDaemon({ source: '{ type: none }',
    charging: 'charging:\n  target_kwh: 10\n  ready_by: "07:30"\n' });
  t.after(() => d.stop());
  const cp = chargePoint(d);
  await cp.cli.connect();
  await cp.boot();
  await cp.setStatus('Available');
  await cp.setStatus('Preparing');
  // Plugged in at 23:5x: the plan adds 10 kWh in the cheap window, the count starts at 0.
  let st = await waitFor('a plan for the energy target', async () => {
    const s = await d.status();
    return s.plan && s.energy_target ? s : null;
  }, 10000);
  assert.equal(st.soc, null);
  assert.equal(st.energy_target.target_kwh, 10);
  assert.equal(st.energy_target.progress, '0.0 of 10.0 kWh');
  assert.match(st.plan.explanation, /^add 10\.0 kWh by Sun 11 Jan 07:30 GMT/);
  assert.match(st.plan.explanation, /charging 00:30-01:51 GMT at 8\.50p/);
  const plan = JSON.parse((await d.api('/api/v1/plan')).body);
  assert.equal(plan.target_kwh, 10);
  assert.equal(plan.soc, null);
  assert.equal(plan.energy_target.progress, '0.0 of 10.0 kWh');
  assert.equal(cp.remoteStarts.length, 0);
  // 00:30: released and started.
  await waitFor('the release to 32 A', () => cp.profiles.some((p) => limitOf(p.params) === 32), 30000);
  await waitFor('Charging', () => cp.status === 'Charging' && cp.tx !== null, 10000);
  const startWh = cp.energyWh;
  // The car draws more than planned (800 Wh a real second at 300x = 9.6 kW): the meter reaches
  // the 10 kWh before the planned run ends at 01:51, and the charger is paused then.
  let paused = false;
  let atPauseWh = 0;
  for (let i = 0; i < 40 && !paused; ++i) {
    const charging = cp.status === 'Charging';
    await cp.meter(charging ? 800 : 0, charging ? 9600 : 0);
    if (i === 5) {
      st = await d.status();
      assert.equal(st.energy_target.metered, true);
      assert.ok(Math.abs(st.energy_target.delivered_kwh - (cp.energyWh - startWh) / 1000) < 0.001,
        `${st.energy_target.delivered_kwh} vs ${(cp.energyWh - startWh) / 1000}`);
      if (process.env.OFFPEAK_BIN) {
        const out = execFileSync(process.env.OFFPEAK_BIN, ['status', '--url', `http://127.0.0.1:${d.apiPort}`]).toString();
        assert.match(out, /target: +\d+\.\d of 10\.0 kWh by .* \(metered\)/);
      }
    }
    paused = cp.profiles.some((p, k) => k > 1 && limitOf(p.params) === 0);
    if (paused) atPauseWh = cp.energyWh - startWh;
    await sleep(1000);
  }
  assert.ok(paused, 'paused at the energy target with a 0 A profile\n' + d.log());
  assert.ok(atPauseWh >= 10000 && atPauseWh <= 10000 + 2 * 800, `paused after ${atPauseWh} Wh`);
  assert.match(d.log(), /energy target 10\.0 kWh delivered \(1\d\.\d of 10\.0 kWh\)/);
  await waitFor('SuspendedEVSE', () => cp.status === 'SuspendedEVSE', 5000);
  st = await d.status();
  assert.ok(st.energy_target.delivered_kwh >= 10, JSON.stringify(st.energy_target));
  // No top-up: the target is met.
  await sleep(3000);
  assert.equal(cp.profiles.filter((p) => limitOf(p.params) === 32).length, 1);
  assert.equal(cp.remoteStops.length, 0, 'never RemoteStopTransaction');
  await cp.cli.close();
});

test('reconnect and reboot mid-run re-apply the limit the plan wants; a duplicate id replaces the first', async (t) => {
  // 00:40: inside the cheap run from the start.
  const d = await startDaemon({ start: '2026-01-11T00:40:00Z', speed: '60' });
  t.after(() => d.stop());
  const a = chargePoint(d);
  await a.cli.connect();
  await a.boot();
  await a.setStatus('Preparing');
  await waitFor('the release', () => a.profiles.some((p) => limitOf(p.params) === 32), 20000);
  await waitFor('Charging', () => a.status === 'Charging', 10000);
  // The same id again while the first is open (a charger that lost Wi-Fi): it replaces it.
  const b = chargePoint(d);
  b.status = 'Charging';
  await b.cli.connect();
  await waitFor('the first connection to be closed', () => a.closed, 5000);
  assert.match(d.log(), /a new connection from 127\.0\.0\.1 replaces the old one/);
  // Rebooted: BootNotification, then the profile again with the limit the plan wants now.
  await b.boot();
  await b.setStatus('Charging');
  await waitFor('the re-applied release', () => b.profiles.some((p) => limitOf(p.params) === 32), 5000);
  assert.equal(b.profiles[0].params.csChargingProfiles.chargingProfilePurpose, 'TxDefaultProfile');
  const st = await d.status();
  assert.equal(st.charger.connected, true);
  assert.equal(st.switch.failing, false);
  await b.cli.close();
});

test('current control: phases auto sends numberPhases; a run charges at the full current within the car\'s power', async (t) => {
  // 00:40: inside the cheap run. 3 phases x 16 A would be 11 kW; the car takes 7.4 kW, so a
  // run charges at 7400 / (230 x 3) = 10.7 A per phase.
  const d = await startDaemon({ start: '2026-01-11T00:40:00Z', speed: '60', maxCurrent: 16,
    switchExtra: '  phases: auto\n  min_current_a: 6\n  voltage: 230\n' });
  t.after(() => d.stop());
  const cp = chargePoint(d);
  await cp.cli.connect();
  await cp.boot();
  await cp.setStatus('Preparing');
  const period = (p) => p.params.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0];
  const run = await waitFor('the run\'s profile', () => cp.profiles.find((p) => limitOf(p.params) > 0), 20000);
  assert.equal(limitOf(run.params), 10.7);
  assert.equal(period(run).numberPhases, 3);
  assert.equal(run.params.csChargingProfiles.chargingSchedule.chargingRateUnit, 'A');
  // Every profile carried numberPhases (strict mode already checked each against the schema).
  for (const p of cp.profiles) assert.ok([1, 3].includes(period(p).numberPhases), JSON.stringify(p.params));
  await waitFor('Charging', () => cp.status === 'Charging', 10000);
  await waitFor('the charging log line', () => /charger CP01: charging at 10\.7 A \(7\.4 kW\)/.test(d.log()), 5000);
  const st = await d.status();
  assert.equal(st.charger.limit_a, 10.7);
  // The status says what the switch carries, for a planned run (not the surplus).
  assert.deepEqual([st.charging.current_a, st.charging.phases, st.charging.for_surplus], [10.7, 3, false]);
  assert.equal(st.site, null);  // no meter readings
  assert.match((await d.api('/metrics')).body, /^offpeak_charge_current_amps 10\.7$/m);
  await cp.cli.close();
});

test('refusals: wrong password 401, no credentials 401, unknown id 404, wrong subprotocol 400', async (t) => {
  const d = await startDaemon();
  t.after(() => d.stop());
  assert.equal(await upgradeStatus(rawSocket(d, { password: 'wrong' })), 401);
  assert.equal(await upgradeStatus(rawSocket(d, { auth: false })), 401);
  assert.equal(await upgradeStatus(rawSocket(d, { identity: 'CP02' })), 404);
  assert.equal(await upgradeStatus(rawSocket(d, { protocols: ['ocpp2.0.1'] })), 400);
  // The Sec-WebSocket-Protocol answer echoes ocpp1.6.
  const ok = rawSocket(d);
  await new Promise((r) => ok.on('open', r));
  assert.equal(ok.protocol, 'ocpp1.6');
  ok.close();
  // ocpp-rpc with a wrong password cannot connect either.
  const bad = chargePoint(d, { password: 'nope' });
  await assert.rejects(bad.cli.connect());
  const log = d.log();
  assert.match(log, /refused a connection from 127\.0\.0\.1: wrong user or password/);
  assert.match(log, /refused a connection from 127\.0\.0\.1: no credentials/);
  assert.match(log, /unknown charge point/);
  assert.match(log, /does not offer subprotocol ocpp1\.6/);
  assert.equal(log.includes(PASSWORD), false);
  assert.equal(log.includes('wrong'), true);
});

test('hostile input: junk frames, unknown actions and oversized frames never take the daemon down', async (t) => {
  const d = await startDaemon();
  t.after(() => d.stop());
  const ws = rawSocket(d);
  const got = messages(ws);
  await new Promise((r) => ws.on('open', r));
  ws.send('hello, not json');
  ws.send('{"a":1}');
  ws.send('[2,"j1","Heartbeat","not an object"]');
  ws.send('[2,"j2","FrobnicateWidget",{}]');
  ws.send('[2,"j3","BootNotification",{"chargePointVendor":"","chargePointModel":"","unknownField":[1,2]}]');
  ws.send('[3,"no-such-call",{}]');
  await waitFor('answers', () => got.some((m) => m[1] === 'j3'), 5000);
  const j1 = got.find((m) => m[1] === 'j1');
  assert.equal(j1[0], 4);
  assert.equal(j1[2], 'FormationViolation');
  const j2 = got.find((m) => m[1] === 'j2');
  assert.deepEqual(j2.slice(0, 3), [4, 'j2', 'NotImplemented']);
  const j3 = got.find((m) => m[1] === 'j3');
  assert.equal(j3[0], 3);
  assert.equal(j3[2].status, 'Accepted');
  // An oversized frame closes the connection (1009), nothing else.
  const closed = new Promise((r) => ws.on('close', (code) => r(code)));
  ws.send('[2,"big","DataTransfer",{"vendorId":"x","data":"' + 'x'.repeat(200 * 1024) + '"}]');
  assert.equal(await closed, 1009);
  // Still serving: a well-behaved charger connects and boots.
  const cp = chargePoint(d);
  await cp.cli.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  assert.equal((await d.api('/api/v1/status')).status, 200);
  await cp.cli.close();
  assert.equal(await d.stop(), 0);
});

test('a charger that never answers: the CALL fails after 60 s and the next one goes out', { timeout: 120000 }, async (t) => {
  const d = await startDaemon();
  t.after(() => d.stop());
  const ws = rawSocket(d);
  const got = messages(ws);
  await new Promise((r) => ws.on('open', r));
  ws.send(JSON.stringify([2, 'b1', 'BootNotification', { chargePointVendor: 'Mute', chargePointModel: 'M1' }]));
  await waitFor('GetConfiguration', () => got.some((m) => m[0] === 2 && m[2] === 'GetConfiguration'), 5000);
  const first = Date.now();
  // One outstanding CALL: nothing else is sent while it waits.
  await sleep(5000);
  assert.equal(got.filter((m) => m[0] === 2).length, 1);
  const next = await waitFor('the next CALL', () => got.find((m) => m[0] === 2 && m[2] === 'SetChargingProfile'), 70000, 200);
  const waited = Date.now() - first;
  assert.ok(waited >= 59000 && waited < 66000, `waited ${waited} ms`);
  assert.equal(next[3].csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit, 0);
  assert.match(d.log(), /GetConfiguration: no answer in 60 s/);
  ws.close();
});

test('TLS (security profile 2) with a generated CA', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offpeak-ocpp-ca-'));
  const f = (n) => path.join(dir, n);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'),
    '-days', '2', '-subj', '/CN=offpeak test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'),
    '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf'));
  const d = await startDaemon({ tls: { cert: f('server.pem'), key: f('server.key') } });
  t.after(() => d.stop());
  assert.match(d.log(), /OCPP listening on 127\.0\.0\.1:\d+ \(TLS\)/);
  const cp = chargePoint(d, { endpoint: `wss://127.0.0.1:${d.ocppPort}/ocpp`,
    wsOpts: { ca: fs.readFileSync(f('ca.pem')) } });
  await cp.cli.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  await waitFor('the hold profile over TLS', () => cp.profiles.length >= 1, 5000);
  // A client that does not trust the CA is refused by its own TLS check.
  const untrusting = chargePoint(d, { endpoint: `wss://127.0.0.1:${d.ocppPort}/ocpp` });
  await assert.rejects(untrusting.cli.connect());
  await cp.cli.close();
});
