import { useRef, useState, type MouseEvent } from 'react';
import type { Histogram } from '../api/types';
import { formatTime } from '../format';

const WIDTH = 1000;
const HEIGHT = 120;

interface Props {
  histogram: Histogram;
  /** The bucket-aligned range the user dragged over (or clicked). */
  onZoom(from: string, to: string): void;
}

/** Events (blue) and warnings (orange) per bucket; drag across buckets to zoom into them. */
export function HistogramChart({ histogram, onZoom }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ start: number; end: number } | null>(null);
  const { buckets, interval_ms: interval } = histogram;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const barWidth = WIDTH / Math.max(1, buckets.length);

  const bucketAt = (e: MouseEvent) => {
    const rect = svg.current!.getBoundingClientRect();
    const fraction = Math.min(0.9999, Math.max(0, (e.clientX - rect.left) / rect.width));
    return Math.floor(fraction * buckets.length);
  };
  const finish = () => {
    if (!drag || buckets.length === 0) return;
    const lo = Math.min(drag.start, drag.end);
    const hi = Math.max(drag.start, drag.end);
    setDrag(null);
    const from = Date.parse(buckets[lo]!.start);
    onZoom(new Date(from).toISOString(), new Date(Date.parse(buckets[hi]!.start) + interval).toISOString());
  };

  const selection = drag && {
    x: Math.min(drag.start, drag.end) * barWidth,
    width: (Math.abs(drag.end - drag.start) + 1) * barWidth,
  };
  const first = buckets[0];
  const last = buckets.at(-1);
  return (
    <div data-testid="histogram" style={{ userSelect: 'none' }}>
      <svg
        ref={svg}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        style={{ width: '100%', height: HEIGHT, cursor: 'crosshair', display: 'block' }}
        onMouseDown={(e) => {
          const b = bucketAt(e);
          setDrag({ start: b, end: b });
        }}
        onMouseMove={(e) => drag && setDrag({ ...drag, end: bucketAt(e) })}
        onMouseUp={finish}
        onMouseLeave={() => setDrag(null)}
      >
        <rect x={0} y={0} width={WIDTH} height={HEIGHT} fill="transparent" />
        {buckets.map((b, i) => {
          const h = (b.count / max) * (HEIGHT - 4);
          const w = (b.warnings / max) * (HEIGHT - 4);
          return (
            <g key={b.start}>
              <title>{`${formatTime(b.start)}: ${b.count} (${b.warnings} Warning)`}</title>
              <rect x={i * barWidth + 1} y={HEIGHT - h} width={Math.max(1, barWidth - 2)} height={h} fill="#1677ff" />
              <rect x={i * barWidth + 1} y={HEIGHT - w} width={Math.max(1, barWidth - 2)} height={w} fill="#fa8c16" />
            </g>
          );
        })}
        {selection && (
          <rect
            data-testid="histogram-selection"
            x={selection.x}
            y={0}
            width={selection.width}
            height={HEIGHT}
            fill="rgba(22,119,255,0.15)"
            stroke="#1677ff"
          />
        )}
      </svg>
      {first && last && (
        <div style={{ display: 'flex', justifyContent: 'space-between', fontSize: 12, color: '#888' }}>
          <span>{formatTime(first.start)}</span>
          <span>{formatTime(new Date(Date.parse(last.start) + interval).toISOString())}</span>
        </div>
      )}
    </div>
  );
}
