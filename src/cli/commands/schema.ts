import { UsageError } from '../../errors.js';
import { schemaKinds, schemas, type SchemaKind } from '../../config/schemas/index.js';
import { suggestionFor } from '../../config/suggest.js';
import type { CommandContext } from '../context.js';

/** `road_runner schema KIND`: prints the JSON Schema an editor can validate against. */
export default async function schema(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const kind = String(args.kind);
  if (!(schemaKinds as string[]).includes(kind)) {
    throw new UsageError(`unknown schema kind "${kind}"`, suggestionFor(kind, schemaKinds, 'kind'));
  }
  const doc = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...schemas[kind as SchemaKind] };
  ctx.out(JSON.stringify(doc, null, 2));
  return 0;
}
