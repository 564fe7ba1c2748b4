// How an update's products and target versions read wherever an update is
// named: "acme-erp 2.4.0, edge-gateway 1.2.0", as the core and the CLI say it.
import type { TargetView } from './bindings';

export function targetsWords(targets: readonly TargetView[]): string {
  return targets.map((t) => `${t.product} ${t.version}`).join(', ');
}
