/**
 * The tag every focusfuse output carries in its metadata, as text: the XMP packet written and the
 * pattern that finds it. Browser-safe, so the viewer page reads it from files opened in it by the
 * same pattern `fuse` reads it through sharp (output-tag.ts).
 */

/** XMP namespace of the tag; the `focusfuse:output` property names the output (fused, depth, ...). */
export const OUTPUT_TAG_NAMESPACE = 'https://github.com/focusfuse/focusfuse/ns/output/1.0/';

/** Which output a file is; recorded in the tag. */
export type OutputTagKind = 'fused' | 'depth' | 'confidence' | 'depth-color';

const TAG_PATTERN = /focusfuse:output="([\w-]+)"/;

/**
 * The XMP packet written into an output (`sharp(...).withXmp(outputTagXmp('fused'))`).
 * @example outputTagXmp('depth') // '<?xpacket ...?>...focusfuse:output="depth"...'
 */
export function outputTagXmp(kind: OutputTagKind): string {
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:focusfuse="${OUTPUT_TAG_NAMESPACE}"` +
    ` xmp:CreatorTool="focusfuse" focusfuse:output="${kind}"/>` +
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}

/**
 * The output kind recorded in an image's XMP, or undefined when it is not a focusfuse output.
 * @example outputTagOf(await sharp('fused.png').metadata()) // => 'fused'
 */
export function outputTagOf(metadata: { xmpAsString?: string }): string | undefined {
  return metadata.xmpAsString === undefined ? undefined : TAG_PATTERN.exec(metadata.xmpAsString)?.[1];
}
