/**
 * `cv2.approxPolyDP(curve, epsilon, closed)` for integer points as OpenCV 4.6 computes it (imgproc/src/approx.cpp,
 * `approxPolyDP_`): Douglas–Peucker over an explicit slice stack, an open curve whose ends coincide handled as closed,
 * then the clean-up pass that drops points on almost straight lines. OpenCV 4.13 / 5 changed this function
 * (PR #28119), so HCE counts follow the 4.6 behaviour here.
 */

/** Approximate a polyline given as x0, y0, x1, y1, …; returns the kept points in the same layout. */
export function approxPolyDP(curve: ArrayLike<number>, epsilon: number, closed: boolean): Int32Array {
  const count0 = curve.length >> 1;
  if (count0 === 0) return new Int32Array(0);
  const sx = (k: number): number => curve[2 * k]!;
  const sy = (k: number): number => curve[2 * k + 1]!;
  const dst = new Int32Array(count0 * 2);
  let newCount = 0;
  const write = (x: number, y: number): void => {
    dst[2 * newCount] = x;
    dst[2 * newCount + 1] = y;
    newCount++;
  };
  let count = count0;
  let isClosed = closed;
  let initIters = 3;
  let leEps = false;
  const eps = epsilon * epsilon;
  // Slices as [start, end] pairs; the top of the stack is the end of the array.
  const stack: number[] = [];
  let rightStart = 0;
  let pos = 0;
  if (!isClosed) {
    rightStart = count;
    if (sx(count - 1) !== sx(0) || sy(count - 1) !== sy(0)) stack.push(0, count - 1);
    else {
      isClosed = true;
      initIters = 1;
    }
  }
  if (isClosed) {
    // 1. Approximately the two farthest points of the contour.
    rightStart = 0;
    let startX = 0;
    let startY = 0;
    for (let i = 0; i < initIters; i++) {
      let maxDist = 0;
      pos = (pos + rightStart) % count;
      startX = sx(pos);
      startY = sy(pos);
      if (++pos >= count) pos = 0;
      for (let j = 1; j < count; j++) {
        const dx = sx(pos) - startX;
        const dy = sy(pos) - startY;
        if (++pos >= count) pos = 0;
        const dist = dx * dx + dy * dy;
        if (dist > maxDist) {
          maxDist = dist;
          rightStart = j;
        }
      }
      leEps = maxDist <= eps;
    }
    // 2. Initialise the stack.
    if (!leEps) {
      const sliceStart = pos % count;
      const rightEnd = sliceStart;
      rightStart = (rightStart + sliceStart) % count;
      stack.push(rightStart, rightEnd);
      stack.push(sliceStart, rightStart);
    } else write(startX, startY);
  }
  // 3. The recursive process.
  while (stack.length > 0) {
    const sliceEnd = stack.pop()!;
    const sliceStart = stack.pop()!;
    const endX = sx(sliceEnd);
    const endY = sy(sliceEnd);
    pos = sliceStart;
    let startX = sx(pos);
    let startY = sy(pos);
    if (++pos >= count) pos = 0;
    if (pos !== sliceEnd) {
      let maxDist = 0;
      const dx = endX - startX;
      const dy = endY - startY;
      if (dx === 0 && dy === 0) throw new Error('approxPolyDP: a slice with equal ends (OpenCV asserts here)');
      while (pos !== sliceEnd) {
        const px = sx(pos);
        const py = sy(pos);
        if (++pos >= count) pos = 0;
        const dist = Math.abs((py - startY) * dx - (px - startX) * dy);
        if (dist > maxDist) {
          maxDist = dist;
          rightStart = (pos + count - 1) % count;
        }
      }
      leEps = maxDist * maxDist <= eps * (dx * dx + dy * dy);
    } else {
      leEps = true;
      startX = sx(sliceStart);
      startY = sy(sliceStart);
    }
    if (leEps) write(startX, startY);
    else {
      stack.push(rightStart, sliceEnd);
      stack.push(sliceStart, rightStart);
    }
  }
  if (!isClosed) write(sx(count - 1), sy(count - 1));
  // 4. Clean-up: remove extra points on [almost] straight lines.
  isClosed = closed;
  count = newCount;
  const dx_ = (k: number): number => dst[2 * k]!;
  const dy_ = (k: number): number => dst[2 * k + 1]!;
  pos = isClosed ? count - 1 : 0;
  let startX = dx_(pos);
  let startY = dy_(pos);
  if (++pos >= count) pos = 0;
  let wpos = pos;
  let ptX = dx_(pos);
  let ptY = dy_(pos);
  if (++pos >= count) pos = 0;
  const lastI = count - (isClosed ? 0 : 1);
  for (let i = isClosed ? 0 : 1; i < lastI && newCount > 2; i++) {
    const endX = dx_(pos);
    const endY = dy_(pos);
    if (++pos >= count) pos = 0;
    const ddx = endX - startX;
    const ddy = endY - startY;
    const dist = Math.abs((ptX - startX) * ddy - (ptY - startY) * ddx);
    const inner = (ptX - startX) * (endX - ptX) + (ptY - startY) * (endY - ptY);
    if (dist * dist <= 0.5 * eps * (ddx * ddx + ddy * ddy) && ddx !== 0 && ddy !== 0 && inner >= 0) {
      newCount--;
      dst[2 * wpos] = startX = endX;
      dst[2 * wpos + 1] = startY = endY;
      if (++wpos >= count) wpos = 0;
      ptX = dx_(pos);
      ptY = dy_(pos);
      if (++pos >= count) pos = 0;
      i++;
      continue;
    }
    dst[2 * wpos] = startX = ptX;
    dst[2 * wpos + 1] = startY = ptY;
    if (++wpos >= count) wpos = 0;
    ptX = endX;
    ptY = endY;
  }
  if (!isClosed) {
    dst[2 * wpos] = ptX;
    dst[2 * wpos + 1] = ptY;
  }
  return dst.slice(0, 2 * newCount);
}
