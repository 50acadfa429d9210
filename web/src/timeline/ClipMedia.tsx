// What a clip shows of its media: a strip of frames (video) or its waveform (audio), both from
// the server. Positions use the --pps variable, so zooming restyles instead of re-rendering;
// frames are re-laid out only when the zoom crosses a power of two (`bucket`).
import { memo, useEffect, useState, type CSSProperties } from "react";
import type { Clip } from "../store/types";
import { ROW_HEIGHT } from "./geometry";
import { frameIndex, peaksPath, stripCount, thumbnailsUrl, waveform, type MediaRef } from "./media";

const MAX_TILES = 120;

export const Thumbs = memo(function Thumbs({ clip, media, bucket }: { clip: Clip; media: MediaRef; bucket: number }) {
  const source = clip.sourceDuration ?? clip.trimStart + clip.duration;
  const count = stripCount(source);
  const aspect = clip.width && clip.height ? clip.width / clip.height : 16 / 9;
  const tileWidth = (ROW_HEIGHT - 6) * aspect;
  let seconds = tileWidth / bucket; // source seconds per tile at this zoom bucket
  if (clip.duration / seconds > MAX_TILES) seconds = clip.duration / MAX_TILES;
  const first = Math.floor(clip.trimStart / seconds);
  const last = Math.ceil((clip.trimStart + clip.duration) / seconds);
  const url = `url("${thumbnailsUrl(media, count)}")`;
  const tiles = [];
  for (let j = first; j < last; j++) {
    const frame = frameIndex((j + 0.5) * seconds, source, count);
    const style = {
      "--t": j * seconds - clip.trimStart,
      "--w": seconds,
      backgroundImage: url,
      backgroundSize: `${count * 100}% auto`,
      backgroundPosition: `${count > 1 ? (frame / (count - 1)) * 100 : 0}% 50%`,
    } as CSSProperties;
    tiles.push(<span key={j} className="thumb" style={style} />);
  }
  return (
    <span className="thumbs" aria-hidden="true">
      {tiles}
    </span>
  );
});

export const Wave = memo(function Wave({ clip, media }: { clip: Clip; media: MediaRef }) {
  const [path, setPath] = useState("");
  const [width, setWidth] = useState(1);
  useEffect(() => {
    let live = true;
    void waveform(media).then((peaks) => {
      if (!live) return;
      setWidth(Math.max(1, peaks.length));
      setPath(peaksPath(peaks));
    });
    return () => {
      live = false;
    };
  }, [media]);
  if (!path) return null;
  const source = clip.sourceDuration ?? clip.trimStart + clip.duration;
  const style = { "--t": -clip.trimStart, "--w": source } as CSSProperties;
  return (
    <svg className="wave" style={style} viewBox={`0 -1 ${width} 2`} preserveAspectRatio="none" aria-hidden="true">
      <path d={path} />
    </svg>
  );
});
