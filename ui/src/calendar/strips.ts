// The colour strips of the calendar's summaries as classes: one CSS rule per
// distinct strip, so that the day boxes with the same strip share a class
// (and WebKit shares their computed style) rather than each carrying an
// inline style (a month of a thousand boxes: tens of milliseconds of style).

let sheet: CSSStyleSheet | null = null;
const classes = new Map<string, string>();

/** The class of a strip's CSS declaration (`summaryStrip`), its rule added on first use. */
export function stripClass(strip: string): string {
  let name = classes.get(strip);
  if (name === undefined) {
    if (!sheet) {
      const style = document.createElement('style');
      style.dataset.calStrips = '';
      document.head.append(style);
      sheet = style.sheet!;
    }
    name = `cal-strip-${classes.size}`;
    sheet.insertRule(`.${name} { ${strip} }`, sheet.cssRules.length);
    classes.set(strip, name);
  }
  return name;
}
