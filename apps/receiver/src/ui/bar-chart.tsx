import { useEffect, useRef, useState } from 'preact/hooks';

/** One bar: its label (shown under it, or as its tooltip) and value, or its stacked parts by series. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** The bar cut into series (e.g. event names), bottom up; their values add up to `value`. */
  readonly parts?: ReadonlyArray<{ readonly series: string; readonly value: number }>;
}

/** Series colours, by their index in the legend (presentation attributes: the CSP allows no inline style). */
const PALETTE = ['#2f6fde', '#e07b1f', '#2a9d62', '#c2385f', '#7a5cc7', '#1b9aaa', '#a88414', '#6b7280'];
/** The axis font (styles.css `.chart .axis`), and a width per character no label character exceeds at it (digits, `-`, `:` and lower case). */
const FONT_PX = 10;
const CHAR_PX = 6.2;
/** The longest label drawn, in characters; a longer one is cut with "…" (its bar's tooltip has it whole). */
const MAX_LABEL_CHARS = 14;
/** Space kept between two labels. */
const LABEL_GAP_PX = 8;

const cut = (label: string): string => (label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label);

/** The width of the element in CSS pixels, followed as it resizes (the chart draws at it, so its text is never scaled). */
function useWidth(initialPx: number): [ref: { current: HTMLElement | null }, widthPx: number] {
  const ref = useRef<HTMLElement | null>(null);
  const [width, setWidth] = useState(initialPx);
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const measure = (): void => setWidth(Math.max(120, Math.floor(element.getBoundingClientRect().width)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/**
 * A bar chart drawn as SVG elements (labels are text nodes, never markup),
 * as wide as its column: it is drawn at the column's width in pixels, one
 * unit a pixel, so labels keep their size and their spacing is known. Every
 * n-th bar is labelled, n the smallest that leaves a gap between the widest
 * label and the next, so labels never overlap at any width. Bars with `parts`
 * are stacked, one colour per series, with a legend.
 */
export function BarChart({ bars, title, height = 160 }: { bars: readonly Bar[]; title: string; height?: number }) {
  const [ref, width] = useWidth(720);
  const top = 14;
  const bottom = 22;
  const labels = bars.map((bar) => cut(bar.label));
  const labelPx = Math.max(0, ...labels.map((label) => label.length * CHAR_PX));
  // Half the widest label on each side, so the first and last labels stay inside.
  const pad = labelPx / 2;
  const plot = Math.max(1, width - 2 * pad);
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const step = plot / Math.max(bars.length, 1);
  const labelEvery = Math.max(1, Math.ceil((labelPx + LABEL_GAP_PX) / step));
  const series = [...new Set(bars.flatMap((bar) => (bar.parts ?? []).map((part) => part.series)))].sort();
  const colour = (name: string): string => PALETTE[series.indexOf(name) % PALETTE.length] as string;
  const scale = (value: number): number => ((height - top - bottom) * value) / max;
  return (
    <figure class="chart-figure" ref={ref}>
      <svg class="chart" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        <title>{title}</title>
        <text x="0" y="10" class="axis" font-size={FONT_PX}>
          {max.toLocaleString('en')}
        </text>
        {bars.map((bar, i) => {
          // At most 48 px wide, centred in its step: a few bars across a wide column stay bars.
          const w = Math.max(1, Math.min(48, step * 0.8));
          const x = pad + i * step + (step - w) / 2;
          let y = height - bottom;
          return (
            <g key={bar.label}>
              {bar.parts === undefined ? (
                <rect x={x} y={y - scale(bar.value)} width={w} height={scale(bar.value)}>
                  <title>{`${bar.label}: ${bar.value.toLocaleString('en')}`}</title>
                </rect>
              ) : (
                bar.parts.map((part) => {
                  y -= scale(part.value);
                  return (
                    <rect key={part.series} x={x} y={y} width={w} height={scale(part.value)} fill={colour(part.series)}>
                      <title>{`${bar.label} ${part.series}: ${part.value.toLocaleString('en')}`}</title>
                    </rect>
                  );
                })
              )}
              {i % labelEvery === 0 && (
                <text x={pad + i * step + step / 2} y={height - 6} class="axis label" font-size={FONT_PX} text-anchor="middle">
                  {labels[i]}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {series.length > 0 && (
        <figcaption class="legend">
          {series.map((name) => (
            <span key={name}>
              <svg width="10" height="10" aria-hidden="true">
                <rect width="10" height="10" fill={colour(name)} />
              </svg>{' '}
              {name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
