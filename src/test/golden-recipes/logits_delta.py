import sys, glob, os, numpy as np
# logits_delta.py OLD NEW GOLDENDIR: max |Δ| old vs new (last prompt logits and 24 greedy steps), and each vs the golden .f32
for f in sorted(glob.glob(sys.argv[1] + '/*.bin')):
    n = os.path.basename(f); o = np.fromfile(f, '<f4').reshape(25, -1); w = np.fromfile(sys.argv[2] + '/' + n, '<f4').reshape(25, -1)
    g = np.fromfile(sys.argv[3] + '/' + n.replace('.bin', '.f32'), '<f4')[:o.shape[1]]
    same = all(o[i].argmax() == w[i].argmax() for i in range(25))
    d = np.abs(o - w)
    print(f"{n[:-4]:18s} old-vs-new last max {d[0].max():.3g} all 25 steps max {d.max():.3g} same greedy path {same} | vs golden: old max {np.abs(o[0]-g).max():.4g} rms {np.sqrt(((o[0]-g)**2).mean()):.3g} new max {np.abs(w[0]-g).max():.4g} rms {np.sqrt(((w[0]-g)**2).mean()):.3g}")
