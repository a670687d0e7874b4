// A SMILES reader (OpenSMILES grammar) for validating ligands before they reach OpenFold3, and counting their
// heavy atoms (OpenFold3 gives every ligand heavy atom its own token). It checks what RDKit's parser checks
// at the syntax level — atoms, bracket atoms, bonds, branches, ring closures, dots — plus the valence of
// non-aromatic atoms of the common organic elements, where RDKit refuses "explicit valence ... greater than
// permitted". Aromaticity (kekulization) is not re-derived: an aromatic atom outside any ring is refused, the
// rest is left to RDKit at prediction time (test/steps/split/smiles.test.ts compares with RDKit itself).

export class SmilesError extends Error {
  constructor(
    message: string,
    /** 0-based character position the problem was found at. */
    readonly position: number,
  ) {
    super(message);
    this.name = 'SmilesError';
  }
}

export interface SmilesAtom {
  element: string;
  aromatic: boolean;
  bracket: boolean;
  charge: number;
  /** Hydrogens written inside brackets ([NH4+] has 4); undefined for organic-subset atoms (implicit). */
  hcount?: number;
  position: number;
}

export interface SmilesBond {
  a: number;
  b: number;
  /** '-' '=' '#' '$' ':' '/' '\\' or '' (implicit: single, or aromatic between two aromatic atoms). */
  symbol: string;
}

export interface SmilesMolecule {
  atoms: SmilesAtom[];
  bonds: SmilesBond[];
  /** Atoms other than hydrogen: OpenFold3's ligand token count. */
  heavyAtoms: number;
  components: number;
}

// Every element symbol (for bracket atoms); organic-subset ones may also be written without brackets.
const ELEMENTS = new Set(
  (
    'H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr ' +
    'Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt ' +
    'Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og'
  ).split(' '),
);
const ORGANIC = ['Cl', 'Br', 'B', 'C', 'N', 'O', 'P', 'S', 'F', 'I'];
const AROMATIC_ORGANIC = new Set(['b', 'c', 'n', 'o', 'p', 's']);
const AROMATIC_BRACKET = new Set(['b', 'c', 'n', 'o', 'p', 's', 'se', 'as', 'te']);
const BOND_SYMBOLS = new Set(['-', '=', '#', '$', ':', '/', '\\']);
const BOND_ORDER: Record<string, number> = { '-': 1, '/': 1, '\\': 1, '': 1, '=': 2, '#': 3, $: 4, ':': 1.5 };

// Allowed valences as RDKit's periodic table lists them; a charged atom is checked as its isoelectronic
// element (N+ as C, O- as F), which is how RDKit judges charged atoms of these elements. N and the halogens
// also get the valences RDKit's clean-up accepts by rewriting them as charge-separated groups (nitro
// CN(=O)=O, perchlorate O=Cl(=O)(=O)O): refusing a ligand RDKit reads would be worse than letting one through.
const ATOMIC_NUMBER: Record<string, number> = { B: 5, C: 6, N: 7, O: 8, F: 9, P: 15, S: 16, Cl: 17, Br: 35, I: 53 };
const VALENCES: Record<number, number[]> = {
  5: [3],
  6: [4],
  7: [3, 5],
  8: [2],
  9: [1],
  14: [4],
  15: [3, 5, 7],
  16: [2, 4, 6],
  17: [1, 3, 5, 7],
  35: [1, 3, 5, 7],
  53: [1, 3, 5, 7],
};
const ELEMENT_OF: Record<number, string> = {
  5: 'B',
  6: 'C',
  7: 'N',
  8: 'O',
  9: 'F',
  14: 'Si',
  15: 'P',
  16: 'S',
  17: 'Cl',
  35: 'Br',
  53: 'I',
};

interface RingOpen {
  atom: number;
  symbol: string;
  position: number;
}

class Reader {
  private i = 0;
  readonly atoms: SmilesAtom[] = [];
  readonly bonds: SmilesBond[] = [];
  private readonly rings = new Map<number, RingOpen>();
  private components = 1;

  constructor(private readonly s: string) {}

  private fail(message: string, at = this.i): never {
    throw new SmilesError(`${message} at position ${at + 1}`, at);
  }

  private peek(): string {
    return this.s[this.i] ?? '';
  }

  parse(): SmilesMolecule {
    if (this.s.length === 0) this.fail('empty SMILES', 0);
    this.chain(undefined, 0);
    if (this.i < this.s.length) {
      const c = this.peek();
      this.fail(c === ')' ? 'unmatched ")"' : `unexpected ${JSON.stringify(c)}`);
    }
    for (const [n, open] of this.rings) this.fail(`ring bond ${n} is opened but never closed`, open.position);
    return {
      atoms: this.atoms,
      bonds: this.bonds,
      heavyAtoms: this.atoms.filter((a) => a.element !== 'H').length,
      components: this.components,
    };
  }

  /** A chain of atoms; `from` is the atom a branch hangs on. Returns when it meets ')' or the end. */
  private chain(from: number | undefined, depth: number): void {
    let previous = from;
    let pendingBond: { symbol: string; position: number } | undefined;
    let atomsInChain = 0;
    while (this.i < this.s.length) {
      const c = this.peek();
      if (c === ')') break;
      if (c === '(') {
        if (previous === undefined) this.fail('a branch must follow an atom');
        if (pendingBond) this.fail(`bond ${JSON.stringify(pendingBond.symbol)} before a branch`, pendingBond.position);
        const open = this.i++;
        if (depth > 1000) this.fail('branches nested too deep');
        const branchStart = this.i;
        const bond = this.maybeBond();
        if (this.peek() === '.') this.fail('a branch cannot start with "."');
        const before = this.atoms.length;
        this.chainFrom(previous, bond, depth + 1);
        if (this.atoms.length === before) this.fail(this.i === branchStart ? 'empty branch "()"' : 'branch without an atom', open);
        if (this.peek() !== ')') this.fail('unclosed "("', open);
        this.i++;
        continue;
      }
      if (c === '.') {
        if (pendingBond) this.fail(`bond ${JSON.stringify(pendingBond.symbol)} before "."`, pendingBond.position);
        if (previous === undefined) this.fail('"." must follow an atom');
        if (depth > 0) this.fail('"." inside a branch');
        this.i++;
        this.components++;
        previous = undefined;
        if (this.i >= this.s.length || this.peek() === ')') this.fail('"." must be followed by an atom');
        continue;
      }
      if (BOND_SYMBOLS.has(c)) {
        if (pendingBond) this.fail('two bonds in a row');
        if (previous === undefined) this.fail(`bond ${JSON.stringify(c)} without an atom before it`);
        pendingBond = { symbol: c, position: this.i++ };
        continue;
      }
      if (/[0-9%]/.test(c)) {
        if (previous === undefined) this.fail('a ring bond must follow an atom');
        this.ringBond(previous, pendingBond?.symbol ?? '', pendingBond?.position ?? this.i);
        pendingBond = undefined;
        continue;
      }
      const atom = this.atom();
      if (previous !== undefined) this.bonds.push({ a: previous, b: atom, symbol: pendingBond?.symbol ?? '' });
      else if (pendingBond) this.fail(`bond ${JSON.stringify(pendingBond.symbol)} without an atom before it`, pendingBond.position);
      pendingBond = undefined;
      previous = atom;
      atomsInChain++;
    }
    if (pendingBond) this.fail(`bond ${JSON.stringify(pendingBond.symbol)} without an atom after it`, pendingBond.position);
    if (atomsInChain === 0 && from === undefined) this.fail('no atom');
  }

  /** A branch body: its first atom bonds to `from` with `bond`. */
  private chainFrom(from: number, bond: { symbol: string; position: number } | undefined, depth: number): void {
    const c = this.peek();
    if (c === '' || c === ')' || c === '(' || c === '.' || /[0-9%]/.test(c) || BOND_SYMBOLS.has(c)) {
      if (bond) this.fail(`bond ${JSON.stringify(bond.symbol)} without an atom after it`, bond.position);
      return;
    }
    const atom = this.atom();
    this.bonds.push({ a: from, b: atom, symbol: bond?.symbol ?? '' });
    this.chain(atom, depth);
  }

  private maybeBond(): { symbol: string; position: number } | undefined {
    const c = this.peek();
    if (!BOND_SYMBOLS.has(c)) return undefined;
    return { symbol: c, position: this.i++ };
  }

  private ringBond(atom: number, symbol: string, _position: number): void {
    const start = this.i;
    let n: number;
    if (this.peek() === '%') {
      const digits = this.s.slice(this.i + 1, this.i + 3);
      if (!/^[0-9]{2}$/.test(digits)) this.fail('"%" must be followed by two digits');
      n = Number(digits);
      this.i += 3;
    } else {
      n = Number(this.s[this.i++]);
    }
    const open = this.rings.get(n);
    if (!open) {
      this.rings.set(n, { atom, symbol, position: start });
      return;
    }
    this.rings.delete(n);
    if (open.atom === atom) this.fail(`ring bond ${n} closes on the atom that opened it`, start);
    // Different bond symbols at the two ends ("C=1CC-1") are an error in OpenSMILES, but RDKit accepts them, and
    // RDKit is what reads the ligand in OpenFold3: the closing symbol is taken, as RDKit does.
    if (this.bonds.some((b) => (b.a === open.atom && b.b === atom) || (b.a === atom && b.b === open.atom)))
      this.fail(`ring bond ${n} duplicates a bond between the same two atoms`, start);
    this.bonds.push({ a: open.atom, b: atom, symbol: symbol || open.symbol });
  }

  private atom(): number {
    const position = this.i;
    const c = this.peek();
    if (c === '[') return this.push(this.bracketAtom(), position);
    if (c === '*') {
      this.i++;
      return this.push({ element: '*', aromatic: false, bracket: false, charge: 0 }, position);
    }
    // "Na", "Fe": an element outside the organic subset, unless the second letter starts an aromatic atom ("Cn").
    const two = this.s.slice(this.i, this.i + 2);
    if (ELEMENTS.has(two) && !ORGANIC.includes(two) && !AROMATIC_ORGANIC.has(two[1]))
      this.fail(`element ${two} must be written in brackets ([${two}])`);
    for (const symbol of ORGANIC) {
      if (this.s.startsWith(symbol, this.i)) {
        this.i += symbol.length;
        return this.push({ element: symbol, aromatic: false, bracket: false, charge: 0 }, position);
      }
    }
    if (AROMATIC_ORGANIC.has(c)) {
      this.i++;
      return this.push({ element: c.toUpperCase(), aromatic: true, bracket: false, charge: 0 }, position);
    }
    if (/\s/.test(c)) this.fail('white space inside a SMILES');
    if (/[A-Za-z]/.test(c)) {
      const two = this.s.slice(this.i, this.i + 2);
      const name = ELEMENTS.has(two) ? two : c;
      this.fail(ELEMENTS.has(name) ? `element ${name} must be written in brackets ([${name}])` : `unknown atom ${JSON.stringify(c)}`);
    }
    this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  private push(atom: Omit<SmilesAtom, 'position'>, position: number): number {
    this.atoms.push({ ...atom, position });
    return this.atoms.length - 1;
  }

  private bracketAtom(): Omit<SmilesAtom, 'position'> {
    const open = this.i++;
    const close = this.s.indexOf(']', this.i);
    if (close < 0) this.fail('unclosed "["', open);
    const body = this.s.slice(this.i, close);
    const m =
      /^([0-9]*)(\*|[A-Z][a-z]?|se|as|te|[bcnops])(@(?:@|TH[12]|AL[12]|SP[123]|TB(?:1[0-9]|20|[1-9])|OH(?:[12][0-9]|30|[1-9]))?)?(H[0-9]?)?((?:[+-][0-9]{1,2})|\+\+?|--?)?(:[0-9]+)?$/.exec(
        body,
      );
    if (!m) this.fail(`malformed bracket atom [${body}]`, open);
    const [, , symbol, , hpart, chargePart] = m;
    let element = symbol;
    let aromatic = false;
    if (symbol === '*') element = '*';
    else if (AROMATIC_BRACKET.has(symbol)) {
      aromatic = true;
      element = symbol[0].toUpperCase() + symbol.slice(1);
    } else if (!ELEMENTS.has(symbol)) {
      this.fail(`unknown element ${JSON.stringify(symbol)} in [${body}]`, open);
    }
    let charge = 0;
    if (chargePart) {
      const sign = chargePart[0] === '+' ? 1 : -1;
      const rest = chargePart.slice(1);
      charge = sign * (rest === '' ? 1 : /^[+-]$/.test(rest) ? 2 : Number(rest));
      if (Math.abs(charge) > 15) this.fail(`charge ${charge} out of range in [${body}]`, open);
    }
    const hcount = hpart ? (hpart.length === 1 ? 1 : Number(hpart.slice(1))) : 0;
    this.i = close + 1;
    return { element, aromatic, bracket: true, charge, hcount };
  }
}

/** Atoms on a cycle (an edge is in a ring when removing it keeps its ends connected). */
function ringAtoms(m: { atoms: unknown[]; bonds: SmilesBond[] }): Set<number> {
  const adjacent = m.atoms.map(() => [] as { to: number; edge: number }[]);
  m.bonds.forEach((b, edge) => {
    adjacent[b.a].push({ to: b.b, edge });
    adjacent[b.b].push({ to: b.a, edge });
  });
  // Bridges by Tarjan's low-link, iteratively (SMILES of large molecules would overflow a recursive walk).
  const order = new Array<number>(m.atoms.length).fill(-1);
  const low = new Array<number>(m.atoms.length).fill(0);
  const bridge = new Set<number>();
  let counter = 0;
  for (let root = 0; root < m.atoms.length; root++) {
    if (order[root] !== -1) continue;
    const stack: { atom: number; parentEdge: number; next: number }[] = [{ atom: root, parentEdge: -1, next: 0 }];
    order[root] = low[root] = counter++;
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < adjacent[top.atom].length) {
        const { to, edge } = adjacent[top.atom][top.next++];
        if (edge === top.parentEdge) continue;
        if (order[to] === -1) {
          order[to] = low[to] = counter++;
          stack.push({ atom: to, parentEdge: edge, next: 0 });
        } else low[top.atom] = Math.min(low[top.atom], order[to]);
      } else {
        stack.pop();
        const parent = stack[stack.length - 1];
        if (parent) {
          low[parent.atom] = Math.min(low[parent.atom], low[top.atom]);
          if (low[top.atom] > order[parent.atom]) bridge.add(top.parentEdge);
        }
      }
    }
  }
  const inRing = new Set<number>();
  m.bonds.forEach((b, edge) => {
    if (!bridge.has(edge)) {
      inRing.add(b.a);
      inRing.add(b.b);
    }
  });
  return inRing;
}

function checkValences(m: SmilesMolecule): void {
  const order = m.atoms.map(() => 0);
  const aromaticBond = m.atoms.map(() => false);
  for (const b of m.bonds) {
    const both = m.atoms[b.a].aromatic && m.atoms[b.b].aromatic;
    const value = b.symbol === '' && both ? 1.5 : BOND_ORDER[b.symbol];
    if (value === 1.5) aromaticBond[b.a] = aromaticBond[b.b] = true;
    order[b.a] += value;
    order[b.b] += value;
  }
  m.atoms.forEach((atom, i) => {
    // Aromatic atoms get their valence from kekulization, which RDKit does; not judged here.
    if (atom.aromatic || aromaticBond[i]) return;
    const z = ATOMIC_NUMBER[atom.element] ?? (atom.element === 'Si' ? 14 : undefined);
    if (z === undefined) return;
    const effective = z - atom.charge;
    const allowed = VALENCES[effective];
    if (!allowed) return;
    const used = order[i] + (atom.hcount ?? 0);
    if (used > Math.max(...allowed)) {
      const as =
        effective === z ? '' : ` (checked as ${ELEMENT_OF[effective] ?? effective}, charge ${atom.charge > 0 ? '+' : ''}${atom.charge})`;
      throw new SmilesError(
        `atom ${i + 1} (${atom.element}) has valence ${used}, more than the ${Math.max(...allowed)} allowed${as}, at position ${atom.position + 1}`,
        atom.position,
      );
    }
  });
}

/** Parses and checks a SMILES string; throws SmilesError naming the problem and its position. */
export function parseSmiles(smiles: string): SmilesMolecule {
  const s = smiles.trim();
  if (s.length > 100_000) throw new SmilesError('SMILES longer than 100000 characters', 0);
  const molecule = new Reader(s).parse();
  const rings = ringAtoms(molecule);
  molecule.atoms.forEach((atom, i) => {
    if (atom.aromatic && !rings.has(i))
      throw new SmilesError(
        `aromatic atom ${i + 1} (${atom.element.toLowerCase()}) is not in a ring, at position ${atom.position + 1}`,
        atom.position,
      );
  });
  checkValences(molecule);
  return molecule;
}
