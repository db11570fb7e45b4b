// Characters no value kindling reads may hold, because nobody sees them as they are.

// C0 and C1 control characters, line breaks and tabs included (no field is more than one line: a
// line break in an image name would forge a line of output), and the marks that reorder how text is shown.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/**
 * Characters that show as nothing: zero-width ones, the marks that reorder text (U+202E shows the
 * rest of the line backwards), the byte order mark, the soft hyphen, the combining grapheme joiner,
 * the Hangul and Mongolian fillers and selectors, variation selectors, the interlinear annotation
 * marks and the tag characters (U+E0000 to U+E007F, which can spell out a whole hidden text). The
 * spec refuses them; quoted values escape them.
 */
export const INVISIBLE_CHARACTERS =
  '\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff9-\\ufffb\\u{e0000}-\\u{e007f}\\u{e0100}-\\u{e01ef}'
/** One of INVISIBLE_CHARACTERS. */
// eslint-disable-next-line no-misleading-character-class -- each joiner and selector is matched alone, as the point
export const INVISIBLE = new RegExp(`[${INVISIBLE_CHARACTERS}]`, 'u')

/**
 * A text nobody sees as it is: a line break, an escape sequence or a mark that reorders text would
 * forge or garble the line that shows it.
 */
export const unshowable = (text: string): boolean => CONTROL.test(text) || INVISIBLE.test(text)

/** How a character is named in a message: `U+0000`. */
export function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}
