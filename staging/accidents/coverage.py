#!/usr/bin/env python3
"""Print the place x indicator -> years coverage table (markdown) for regional_series.csv."""
import csv, collections, os
F = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'regional_series.csv')
rows = list(csv.DictReader(open(F, encoding='utf-8')))
COLS = [('deaths_total','deaths'),('accidents_total','accidents'),('deaths_yoy_pct','deaths y/y'),('accidents_yoy_pct','acc. y/y'),
        ('deaths_per_100m_gdp','per 亿元GDP'),('deaths_per_100k_industrial_workers','per 10万工矿商贸'),('accidents_major_larger','较大'),
        ('accidents_major','重大'),('accidents_extraordinary','特别重大'),('accidents_major_and_extraordinary','重特大 (combined)'),
        ('accidents_major_larger_and_above','较大以上 (combined)'),('population_10k','pop'),('gdp_100m_yuan','GDP'),('gdp_real_growth_pct','real growth')]
main = {c for c,_ in COLS}
def yrs(ys):
    ys = sorted(set(int(y) for y in ys)); out=[]; i=0
    while i < len(ys):
        j=i
        while j+1 < len(ys) and ys[j+1]==ys[j]+1: j+=1
        out.append(str(ys[i]) if i==j else f'{ys[i]}-{ys[j]}'); i=j+1
    return ', '.join(out)
d = collections.defaultdict(lambda: collections.defaultdict(list))
places = {}
for r in rows:
    k=(r['geo_level'], r['geo_zh']); places[k]=r['geo_en']; d[k][r['indicator']].append(r['year'])
order = {'national':0,'province':1,'city':2,'county':3}
print('| place | ' + ' | '.join(n for _,n in COLS) + ' | other |')
print('|---|' + '---|'*(len(COLS)+1))
for k in sorted(places, key=lambda k:(order.get(k[0],9), places[k])):
    cells=[yrs(d[k][c]) if d[k].get(c) else '–' for c,_ in COLS]
    other='; '.join(f'{ind}: {yrs(v)}' for ind,v in sorted(d[k].items()) if ind not in main) or '–'
    print(f'| {k[1]} {places[k]} ({k[0]}) | ' + ' | '.join(cells) + f' | {other} |')
