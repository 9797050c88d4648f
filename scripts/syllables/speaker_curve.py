# Leave-one-speaker-out accuracy on the Festival voices (human recordings) against the number of training speakers.
import sys, os
root = sys.argv[1]
ARGS = [root, '--layers', '32,32', '--act', 'relu', '--epochs', '20']
exec(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'loso.py')).read().replace("if __name__=='__main__': main()", ""))
spk = lambda v: v.split('+')[0]
S = sorted({spk(c[0]) for c in C if c[0].startswith('festival')})
R = np.random.default_rng(1)
for k in [1, 2, 4, 8]:
    accs = []
    for held in S:
        pick = list(R.choice([s for s in S if s != held], k, replace=False))
        r = run([c for c in C if spk(c[0]) in pick], {'h': [c for c in C if spk(c[0]) == held]})
        accs.append(r['h'][0])
    print(k, 'speakers: mean clean %.1f (min %.1f max %.1f)' % (100 * np.mean(accs), 100 * min(accs), 100 * max(accs)), flush=True)
