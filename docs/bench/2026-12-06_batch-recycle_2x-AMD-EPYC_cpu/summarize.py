# Medians (min..max) per fusion and build of an ab.sh TSV, their ratio, and the median of the per-round paired ratios.
#   python3 summarize.py ab.tsv
import sys, statistics as st
rows=[l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
head=rows[0]; rows=rows[1:]
cols=['wall_s','cpu_s','peak_rss_mb','batch_fov_s','cpu_ms_per_fov']
idx={h:i for i,h in enumerate(head)}
builds=[]
for r in rows:
    if r[1] not in builds: builds.append(r[1])
print('| fusion | build | runs | ' + ' | '.join(cols) + ' |')
print('|---|---|---|' + '---|'*len(cols))
for f in ['v2','v1']:
    med={}
    for b in builds:
        sel=[r for r in rows if r[1]==b and r[2]==f]
        if not sel: continue
        vals={c:[float(r[idx[c]]) for r in sel] for c in cols}
        med[b]={c:st.median(v) for c,v in vals.items()}
        print(f'| {f} | {b} | {len(sel)} | ' + ' | '.join(f'{st.median(v):.2f} ({min(v):.2f}..{max(v):.2f})' for v in vals.values()) + ' |')
    if len(med)==2:
        a,b=builds
        print(f'| {f} | {b}/{a} | | ' + ' | '.join(f'{med[b][c]/med[a][c]:.3f}' for c in cols) + ' |')
# paired per round ratios
print()
for f in ['v2','v1']:
    ratios={c:[] for c in cols}
    rounds=sorted(set(r[0] for r in rows), key=int)
    for rd in rounds:
        p={r[1]:r for r in rows if r[0]==rd and r[2]==f}
        if len(p)==2:
            a,b=builds
            for c in cols: ratios[c].append(float(p[b][idx[c]])/float(p[a][idx[c]]))
    if ratios['wall_s']:
        print(f'- paired {f} {builds[1]}/{builds[0]} median ratio per round: ' + ', '.join(f'{c} {st.median(v):.3f}' for c,v in ratios.items()) + f' (n={len(ratios["wall_s"])})')
