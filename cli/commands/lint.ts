// `openfold-argo lint [--argo-version V] [--schema FILE] [--no-go] FILE|DIR...`: checks Argo documents against
// Argo's schema, the v4 CRD limits, `argo lint`'s semantic rules and (when built) Argo's own Go validation.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { errorsOf, formatDiagnostic, lintDocuments, LintSetupError, loadDocuments } from '../../lint/index.js';
import { findGoValidator } from '../../lint/go.js';
import { DEFAULT_ARGO_VERSION, SCHEMA_LOOKUP } from '../../lint/schema.js';

const USAGE = `usage: openfold-argo lint [--argo-version V] [--schema FILE] [--no-go] FILE|DIR...

Checks Workflows, WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows in four layers:
  1 schema     Argo's JSON schema for the version (patched: strict fields, int-or-string types)
  2 crd        the v4 CRD limits and CEL rules (200 templates, 200 DAG tasks...)
  3 argo-lint  the semantic checks of \`argo lint\` (references, variables, cycles, arguments, cron)
  4 argo-go    Argo's own validation package, when .cache/bin/argo-validate is built
Prints \`file:doc[kind/name] path: message (layer)\` per problem; exits 1 when there is any (warnings,
which are not Argo's rules, are printed but do not fail).

options:
  --argo-version V  schema version (default ${DEFAULT_ARGO_VERSION})
  --schema FILE     use this copy of Argo's api/jsonschema/schema.json (offline)
  --no-go           skip layer 4

Argo's JSON schema of version V is taken from the first of:
${SCHEMA_LOOKUP.map((where, i) => `  ${i + 1}. ${where}`).join('\n')}
What 4 or 5 gives is kept in the cache (3), so each version is fetched once.`;

export const command: Command = {
  summary: "check Argo manifests: schema, v4 CRD limits, argo lint's rules, Argo's Go validation",
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'argo-version': { type: 'string' },
        schema: { type: 'string' },
        'no-go': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new UserError(`no FILE or DIR given\n${USAGE}`, 2);
    const useGo = !values['no-go'];
    try {
      const { files, documents, unparsable, warned } = loadDocuments(positionals);
      for (const f of unparsable) console.log(`${f.file}: not valid YAML: ${f.error}`);
      const fileWarnings = warned.flatMap((f) => (f.warnings ?? []).map((w) => `${f.file}: warning: ${w}`));
      for (const w of fileWarnings) console.log(w);
      const diagnostics = await lintDocuments(documents, {
        argoVersion: values['argo-version'],
        schemaFile: values.schema,
        go: useGo,
      });
      for (const d of diagnostics) console.log(formatDiagnostic(d));
      const layers = useGo && findGoValidator() ? 'layers 1-4' : `layers 1-3${useGo ? '; argo-validate not built' : ''}`;
      const errors = errorsOf(diagnostics).length;
      const problems = errors + unparsable.length;
      const warnings = diagnostics.length - errors + fileWarnings.length;
      const summary = `${documents.length} documents in ${files.length} files (${layers})${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`;
      if (problems > 0) {
        console.log(`${problems} problem${problems === 1 ? '' : 's'}; ${summary}`);
        return 1;
      }
      console.log(`ok: ${summary}`);
      return 0;
    } catch (e) {
      if (e instanceof LintSetupError) throw new UserError(e.message, 2);
      throw e;
    }
  },
};
