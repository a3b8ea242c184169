#!/usr/bin/env python3
"""Append rows to regional_series.csv safely (dedupe on place/year/indicator/value).
Usage: python3 add_rows.py rows.json   (list of dicts with the 10 columns)
"""
import csv, json, sys, os, shutil
F = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'regional_series.csv')
COLS = ['geo_level','geo_zh','geo_en','year','indicator','value','unit','source_url','source_quote','note']
def norm(v):
    try: return repr(float(v))
    except Exception: return str(v).strip()
def main(path):
    new = json.load(open(path, encoding='utf-8'))
    rows = list(csv.DictReader(open(F, encoding='utf-8', newline='')))
    keys = {(r['geo_zh'], str(r['year']), r['indicator'], norm(r['value'])) for r in rows}
    added = 0
    for n in new:
        assert set(n) == set(COLS), n
        assert len(n['source_quote']) <= 80, ('quote too long', n['source_quote'])
        k = (n['geo_zh'], str(n['year']), n['indicator'], norm(n['value']))
        if k in keys:
            print('DUP skipped:', k); continue
        keys.add(k); rows.append({c: str(n[c]) for c in COLS}); added += 1
    tmp = F + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='') as f:
        w = csv.DictWriter(f, fieldnames=COLS); w.writeheader(); w.writerows(rows)
    os.replace(tmp, F)
    print('added', added, 'total', len(rows))
if __name__ == '__main__':
    main(sys.argv[1])
