package render

import "math"

// Geometry is expressed in unit coordinates: (0,0) is the top-left corner of
// the icon, (1,1) the bottom-right; y grows downwards.

// inCircle reports whether (x, y) lies within r of (cx, cy).
func inCircle(x, y, cx, cy, r float64) bool {
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}

// inEllipse reports whether (x, y) lies inside the axis-aligned ellipse
// centred on (cx, cy) with half-axes a (horizontal) and b (vertical).
func inEllipse(x, y, cx, cy, a, b float64) bool {
	dx, dy := (x-cx)/a, (y-cy)/b
	return dx*dx+dy*dy <= 1
}

// inRect reports whether (x, y) lies inside the rectangle [x0,x1]×[y0,y1].
func inRect(x, y, x0, y0, x1, y1 float64) bool {
	return x >= x0 && x <= x1 && y >= y0 && y <= y1
}

// inRoundRect reports whether (x, y) lies inside the rectangle with corners
// rounded by radius r (r no larger than half the shorter side).
func inRoundRect(x, y, x0, y0, x1, y1, r float64) bool {
	if !inRect(x, y, x0, y0, x1, y1) {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return inCircle(x, y, cx, cy, r)
}

// inTriangle reports whether (x, y) lies inside the triangle abc (either
// winding).
func inTriangle(x, y, ax, ay, bx, by, cx, cy float64) bool {
	d1 := edge(x, y, ax, ay, bx, by)
	d2 := edge(x, y, bx, by, cx, cy)
	d3 := edge(x, y, cx, cy, ax, ay)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

func edge(x, y, ax, ay, bx, by float64) float64 {
	// Explicit conversions keep the compiler from fusing into FMA on
	// architectures that have it, so output stays byte-identical.
	return float64((x-bx)*(ay-by)) - float64((ax-bx)*(y-by))
}

// fish is one member of the school: an elliptical body swimming right with a
// forked triangular tail and an eye.
type fish struct {
	cx, cy, a, b float64
}

// school returns the three fish of decreasing size, arranged so that the top
// two stay clear of the state accent in the bottom-right corner.
func school() [3]fish {
	return [3]fish{
		{cx: 0.58, cy: 0.29, a: 0.21, b: 0.12},
		{cx: 0.36, cy: 0.54, a: 0.18, b: 0.105},
		{cx: 0.63, cy: 0.74, a: 0.16, b: 0.09},
	}
}

// body reports whether (x, y) is inside the fish silhouette.
func (f fish) body(x, y float64) bool {
	if inEllipse(x, y, f.cx, f.cy, f.a, f.b) {
		return true
	}
	tx := f.cx - f.a*0.75
	back := f.cx - f.a*1.55
	if !inTriangle(x, y, tx, f.cy, back, f.cy-f.b*1.05, back, f.cy+f.b*1.05) {
		return false
	}
	// Fork the tail: cut a small notch out of its back edge.
	return !inTriangle(x, y, back-0.01, f.cy-f.b*0.35, back+f.a*0.28, f.cy, back-0.01, f.cy+f.b*0.35)
}

// eye reports whether (x, y) is inside the fish's eye.
func (f fish) eye(x, y float64) bool {
	return inCircle(x, y, f.cx+f.a*0.5, f.cy-f.b*0.2, f.b*0.28)
}
