// What machine the figures come from: CPU, cores, memory, Node, OpenSSL, Python, tool versions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { packageVersion } from './workspace.mjs';

function cmdOut(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

function cpuFlags() {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].trim().split(/\s+/) ?? [];
    return ['avx2', 'avx512f', 'sha_ni'].filter((f) => flags.includes(f));
  } catch {
    return [];
  }
}

function hypervisor() {
  try {
    const text = execFileSync('lscpu', [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return text.match(/^Hypervisor vendor:\s*(.+)$/m)?.[1].trim();
  } catch {
    return undefined;
  }
}

/** A description of this machine and the tools measured on it. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim(),
    cores: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    cpuFlags: cpuFlags(),
    hypervisor: hypervisor(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nodeOpenssl: process.versions.openssl,
    openssl: cmdOut('openssl', ['version']),
    python: cmdOut('python3', ['--version']),
    sha512sum: cmdOut('sha512sum', ['--version']),
    rhash: cmdOut('rhash', ['--version']),
    peers: {
      piscina: packageVersion('piscina'),
      tinypool: packageVersion('tinypool'),
      workerpool: packageVersion('workerpool'),
    },
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** 1-minute load average, for spotting a busy machine in the results. */
export function load1() {
  return Math.round(os.loadavg()[0] * 100) / 100;
}
