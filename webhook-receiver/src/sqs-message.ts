/** Ingest attributes as SQS message attributes: all of them strings. */
export function messageAttributes(
  attributes: Record<string, string>,
): Record<string, { DataType: string; StringValue: string }> {
  const out: Record<string, { DataType: string; StringValue: string }> = {};
  for (const k in attributes) out[k] = { DataType: 'String', StringValue: attributes[k]! };
  return out;
}
