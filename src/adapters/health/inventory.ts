/**
 * What the gateway runs on, gathered once at start with systeminformation
 * (board model, OS, CPU): it spawns processes and reads many files, so it
 * runs once, with a timeout, and a failure only leaves fields out.
 */
import si from 'systeminformation';
import { VERSION } from '../../version.js';

export interface Inventory {
  manufacturer?: string;
  model?: string;
  os?: string;
  kernel?: string;
  arch?: string;
  cpu?: string;
  cores?: number;
  node: string;
  midge: string;
}

export type InventoryReader = () => Promise<Partial<Inventory>>;

export const readInventory: InventoryReader = async () => {
  const [system, os, cpu] = await Promise.all([si.system(), si.osInfo(), si.cpu()]);
  const model = system.model && system.model !== 'Computer' ? system.model : system.raspberry?.type;
  return {
    manufacturer: system.manufacturer || undefined,
    model: model || undefined,
    os: [os.distro, os.release].filter(Boolean).join(' ') || undefined,
    kernel: os.kernel || undefined,
    arch: os.arch || undefined,
    cpu: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ') || undefined,
    cores: cpu.cores || undefined,
  };
};

/** The inventory, or only the Node and Midge versions when the reader fails or takes longer than `timeoutMs`. */
export async function gatherInventory(reader: InventoryReader, timeoutMs: number): Promise<{ inventory: Inventory; error?: string }> {
  const base: Inventory = { node: process.version, midge: VERSION };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return { inventory: { ...(await Promise.race([reader(), timeout])), ...base } };
  } catch (err) {
    return { inventory: base, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
