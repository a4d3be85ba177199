// The plugin import's report as an admin reads it in a terminal: per provider what was done, the callback
// URL to register at the IdP, each field the service changed or has no equivalent for, and each link.
import type { ImportOptions, ImportReport, LinkReport, ProviderReport } from './import-plugin.js';

const LINK_SAYS: Record<LinkReport['outcome'], string> = {
  created: 'pending until the first sign-in with this name',
  updated: 'pending link updated',
  unchanged: 'pending link unchanged',
  'already used': 'already used by a sign-in; left as it is',
  'user not found': 'no such user in the media server; skipped',
  duplicate: 'the same name in another letter case is already imported; skipped',
};

function linkLine(link: LinkReport, options: ImportOptions): string {
  const admin =
    link.administrator && !options.allowAdminLinks
      ? ' (an administrator: dropped at sign-in unless imported with --allow-admin-links)'
      : '';
  return `    ${link.name} → ${link.userId}: ${LINK_SAYS[link.outcome]}${admin}`;
}

function providerLines(provider: ProviderReport, options: ImportOptions): string[] {
  const callback = provider.protocol === 'oidc' ? 'redirect URI' : 'ACS URL';
  const lines = [
    `${provider.protocol.toUpperCase()} provider "${provider.name}": ${provider.outcome}`,
    `  register at the IdP: ${callback} ${provider.callbackUrl}`,
    ...provider.changed.map(
      (change) => `  changed: ${change.field} ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`,
    ),
    ...provider.defaulted.map((field) => `  default: ${field} (nil in the file)`),
    ...provider.noEquivalent.map((field) => `  no equivalent: ${field.field}: ${field.why}`),
    ...provider.warnings.map((warning) => `  warning: ${warning}`),
  ];
  if (provider.links.length > 0)
    lines.push('  links:', ...provider.links.map((link) => linkLine(link, options)));
  return lines;
}

export function reportText(report: ImportReport, options: ImportOptions): string {
  const count = report.providers.length;
  const lines = [
    `Read the plugin's ${report.format.toUpperCase()} configuration (${report.generation} fields): ${count} provider${count === 1 ? '' : 's'}.`,
  ];
  if (report.ignored.length > 0) lines.push(`No equivalent (top level): ${report.ignored.join(', ')}`);
  for (const provider of report.providers) lines.push('', ...providerLines(provider, options));
  lines.push('', report.dryRun ? 'Dry run: nothing was written.' : 'Done.');
  return `${lines.join('\n')}\n`;
}
