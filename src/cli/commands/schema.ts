import { UsageError } from '../../errors.js';
import { documentedKinds, documentedSchema } from '../../config/schemas/documented.js';
import { suggestionFor } from '../../config/suggest.js';
import type { CommandContext } from '../context.js';

/** `road_runner schema KIND`: prints the JSON Schema an editor can validate against (the same as schemas/KIND.json). */
export default async function schema(ctx: CommandContext, args: Record<string, unknown>): Promise<number> {
  const kind = String(args.kind);
  if (!(documentedKinds as string[]).includes(kind)) {
    throw new UsageError(`unknown schema kind "${kind}" (known: ${documentedKinds.join(', ')})`, suggestionFor(kind, documentedKinds, 'kind'));
  }
  ctx.out(JSON.stringify(documentedSchema(kind as (typeof documentedKinds)[number]), null, 2));
  return 0;
}
