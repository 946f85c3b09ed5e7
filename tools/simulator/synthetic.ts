// A deterministic synthetic directory: realistic names (some with accents and apostrophes), departments with job
// titles, a management chain, offices, phones, Looop extension values in onPremisesExtensionAttributes, a few
// disabled accounts, and groups with random members. The same options and seed give the same directory.
import type { Directory, GraphGroup, GraphUser } from './directory.js';
import { Random } from './random.js';

export interface SyntheticOptions {
  users: number;
  groups: number;
  /** Members per group (capped at the number of users). */
  members: number;
  seed: number | string;
  /** userPrincipalName domain, e.g. `ab12cd.example.com`. */
  domain: string;
  /** Appended to group display names so runs against the same endpoint do not collide (`Sales Team 3 (ab12cd)`). */
  groupSuffix?: string;
  /** Fraction of users disabled in the source from the start (Entra does not create them until re-enabled). */
  disabledFraction?: number;
}

export const GIVEN_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Ava', 'Elijah', 'Sophia', 'Lucas', 'Mia', 'Mateo', 'Isabella',
  'Levi', 'Charlotte', 'Ethan', 'Harper', 'James', 'Evelyn', 'Benjamin', 'Aisha', 'Mohammed', 'Fatima', 'Omar', 'Priya',
  'Arjun', 'Ananya', 'Rohan', 'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Sakura', 'Min-jun', 'Ji-woo', 'Chloé', 'Zoë', 'Renée',
  'José', 'Sofía', 'Joaquín', 'María', 'Łukasz', 'Agnieszka', 'Søren', 'Åsa', 'Björn', 'Jürgen', 'Matthias', 'François',
  'Siobhán', 'Seán', 'Niamh', 'Oisín', 'Kwame', 'Ama', 'Chidi', 'Ngozi', 'Thandiwe', 'Sipho', 'Mateus', 'Gabriela',
  'Ana', 'Luca', 'Giulia', 'Marco', 'Francesca', 'Dmitri', 'Anastasia', 'Ivan', 'Olga', 'Ahmet', 'Elif', 'Can', 'Zeynep',
  'Noa', 'Tamar', 'Yosef', 'Leilani', 'Kai', 'Aroha', 'Tane', 'Mary-Jane', 'Jean-Luc', 'Anne-Marie', 'D\'Andre',
];

export const FAMILY_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
  'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson',
  'White', 'Harris', 'Sánchez', 'Clark', 'Ramírez', 'Lewis', 'Robinson', "O'Brien", "O'Connor", 'McDonald', 'MacLeod',
  'Nguyen', 'Tran', 'Kim', 'Park', 'Choi', 'Wang', 'Li', 'Zhang', 'Chen', 'Liu', 'Yamamoto', 'Tanaka', 'Suzuki', 'Sato',
  'Patel', 'Sharma', 'Singh', 'Kumar', 'Gupta', 'Khan', 'Ali', 'Hussain', 'Okafor', 'Adeyemi', 'Mensah', 'Dlamini',
  'Kowalski', 'Nowak', 'Wiśniewski', 'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weiß', 'Dubois', 'Lefèvre',
  'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Ivanov', 'Petrova', 'Jensen', 'Nielsen', 'Hansen', 'Andersson', 'Johansson',
  'Yılmaz', 'Kaya', 'Cohen', 'Levi', 'Silva', 'Santos', 'Oliveira', 'Van der Berg', 'De Vries', 'Ní Bhriain',
];

export const DEPARTMENTS: Record<string, string[]> = {
  Sales: ['Account Executive', 'Sales Development Representative', 'Regional Sales Manager', 'Sales Engineer'],
  Marketing: ['Marketing Manager', 'Content Strategist', 'Product Marketing Manager', 'Brand Designer'],
  Engineering: ['Software Engineer', 'Senior Software Engineer', 'Engineering Manager', 'Site Reliability Engineer', 'QA Engineer'],
  Product: ['Product Manager', 'Senior Product Manager', 'UX Researcher', 'Product Designer'],
  Finance: ['Financial Analyst', 'Accountant', 'Controller', 'Payroll Specialist'],
  'Human Resources': ['HR Business Partner', 'Recruiter', 'Learning & Development Lead', 'People Operations Specialist'],
  'Customer Success': ['Customer Success Manager', 'Support Engineer', 'Onboarding Specialist'],
  Legal: ['Legal Counsel', 'Paralegal', 'Compliance Officer'],
  Operations: ['Operations Manager', 'Facilities Coordinator', 'Procurement Specialist'],
  IT: ['IT Support Technician', 'Systems Administrator', 'Security Analyst'],
  'Research & Development': ['Research Scientist', 'Lab Technician', 'Data Scientist'],
  Logistics: ['Warehouse Associate', 'Logistics Coordinator', 'Fleet Manager'],
};

export const OFFICES: { city: string; country: string; region: string; office: string; phone: string }[] = [
  { city: 'London', country: 'GB', region: 'EMEA', office: 'London HQ', phone: '+44 20 7946' },
  { city: 'Manchester', country: 'GB', region: 'EMEA', office: 'Manchester Hub', phone: '+44 161 496' },
  { city: 'Dublin', country: 'IE', region: 'EMEA', office: 'Dublin Docklands', phone: '+353 1 555' },
  { city: 'Berlin', country: 'DE', region: 'EMEA', office: 'Berlin Mitte', phone: '+49 30 5550' },
  { city: 'Paris', country: 'FR', region: 'EMEA', office: 'Paris La Défense', phone: '+33 1 5550' },
  { city: 'Kraków', country: 'PL', region: 'EMEA', office: 'Kraków Tech Park', phone: '+48 12 555' },
  { city: 'New York', country: 'US', region: 'AMER', office: 'NYC Midtown', phone: '+1 212 555' },
  { city: 'Austin', country: 'US', region: 'AMER', office: 'Austin Campus', phone: '+1 512 555' },
  { city: 'Toronto', country: 'CA', region: 'AMER', office: 'Toronto King St', phone: '+1 416 555' },
  { city: 'São Paulo', country: 'BR', region: 'AMER', office: 'São Paulo Paulista', phone: '+55 11 5555' },
  { city: 'Singapore', country: 'SG', region: 'APAC', office: 'Singapore Marina', phone: '+65 6555' },
  { city: 'Sydney', country: 'AU', region: 'APAC', office: 'Sydney Barangaroo', phone: '+61 2 5550' },
  { city: 'Tokyo', country: 'JP', region: 'APAC', office: 'Tokyo Marunouchi', phone: '+81 3 5555' },
  { city: 'Bengaluru', country: 'IN', region: 'APAC', office: 'Bengaluru Whitefield', phone: '+91 80 5555' },
];

const GRADES = ['G1', 'G2', 'G3', 'G4', 'G5', 'M1', 'M2', 'D1'];
const COST_CENTRES = ['CC-1000', 'CC-1100', 'CC-2000', 'CC-2100', 'CC-3000', 'CC-4000', 'CC-5000'];
const CONTRACTS = ['Permanent', 'Fixed term', 'Contractor', 'Intern'];
const GROUP_WORDS = ['Atlas', 'Beacon', 'Comet', 'Delta', 'Ember', 'Falcon', 'Granite', 'Harbor', 'Iris', 'Juniper', 'Keystone', 'Lumen', 'Meridian', 'Nimbus', 'Orion', 'Pulse'];

/** Lower-case ASCII local-part from a name: accents and spaces removed, apostrophes kept (o'brien is a valid UPN). */
export function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9'-]/g, '');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Builds one synthetic Graph user (used for the initial directory and for joiners in change sets). */
export function syntheticUser(rng: Random, index: number, domain: string, taken: Set<string>, department?: string): GraphUser {
  const givenName = rng.pick(GIVEN_NAMES);
  const surname = rng.pick(FAMILY_NAMES);
  const base = `${asciiSlug(givenName)}.${asciiSlug(surname)}`;
  let local = base;
  for (let n = 2; taken.has(local); n++) local = `${base}${n}`;
  taken.add(local);
  const dept = department ?? rng.pick(Object.keys(DEPARTMENTS));
  const office = rng.pick(OFFICES);
  const hired = new Date(Date.UTC(2008 + rng.int(0, 17), rng.int(0, 11), rng.int(1, 28)));
  const user: GraphUser = {
    id: rng.uuid(),
    userPrincipalName: `${local}@${domain}`,
    accountEnabled: true,
    displayName: `${givenName} ${surname}`,
    givenName,
    surname,
    mail: `${local}@${domain}`,
    mailNickname: local,
    jobTitle: rng.pick(DEPARTMENTS[dept]),
    department: dept,
    employeeId: `E${pad(100000 + index, 6)}`,
    employeeHireDate: hired.toISOString().replace('.000Z', 'Z'),
    officeLocation: `${office.office}, Floor ${rng.int(1, 12)}`,
    city: office.city,
    country: office.country,
    businessPhones: [`${office.phone} ${pad(rng.int(0, 9999), 4)}`],
    onPremisesExtensionAttributes: {
      extensionAttribute1: rng.pick(COST_CENTRES),
      extensionAttribute2: rng.pick(GRADES),
      extensionAttribute3: rng.chance(0.8) ? rng.pick(CONTRACTS) : null,
      extensionAttribute4: office.region,
    },
  };
  if (rng.chance(0.7)) user.mobilePhone = `+1 555 ${pad(rng.int(0, 999), 3)} ${pad(rng.int(0, 9999), 4)}`;
  return user;
}

export function generateDirectory(options: SyntheticOptions): Directory {
  const rng = new Random(`directory:${String(options.seed)}`);
  const taken = new Set<string>();
  const users: GraphUser[] = [];
  const departments = Object.keys(DEPARTMENTS);
  const heads = new Map<string, GraphUser>();
  const byDepartment = new Map<string, GraphUser[]>();
  for (let i = 0; i < options.users; i++) {
    // The first users head the organization and its departments, so every manager precedes its reports.
    const dept = i === 0 ? 'Operations' : i <= departments.length ? departments[i - 1] : undefined;
    const user = syntheticUser(rng, i, options.domain, taken, dept);
    if (i === 0) {
      user.jobTitle = 'Chief Executive Officer';
    } else if (i <= departments.length) {
      user.jobTitle = `Head of ${user.department}`;
      user.manager = { id: users[0].id };
      heads.set(String(user.department), user);
    } else {
      const peers = byDepartment.get(String(user.department)) ?? [];
      const candidates = peers.length > 0 && rng.chance(0.6) ? peers.slice(-20) : [heads.get(String(user.department)) ?? users[0]];
      if (rng.chance(0.97)) user.manager = { id: rng.pick(candidates).id };
    }
    users.push(user);
    const list = byDepartment.get(String(user.department)) ?? [];
    list.push(user);
    byDepartment.set(String(user.department), list);
  }

  // A few accounts are disabled from the start (never department heads): Entra skips them until they are re-enabled.
  const fraction = options.disabledFraction ?? 0.02;
  const candidates = users.slice(departments.length + 1);
  if (fraction > 0 && candidates.length > 0) {
    for (const user of rng.sample(candidates, Math.max(1, Math.round(users.length * fraction)))) user.accountEnabled = false;
  }

  const groups: GraphGroup[] = [];
  const names = new Set<string>();
  const suffix = options.groupSuffix ? ` (${options.groupSuffix})` : '';
  for (let g = 0; g < options.groups; g++) {
    let name: string;
    do {
      const kind = rng.int(0, 2);
      name = kind === 0
        ? `${rng.pick(departments)} Team ${rng.int(1, 99)}`
        : kind === 1
          ? `${rng.chance(0.2) ? "Founders' " : ''}Project ${rng.pick(GROUP_WORDS)} ${rng.int(1, 999)}`
          : `${rng.pick(OFFICES).city} ${rng.pick(['Office', 'Site', 'Learners', 'Champions'])} ${rng.int(1, 99)}`;
      name += suffix;
    } while (names.has(name.toLowerCase()));
    names.add(name.toLowerCase());
    const members = rng.sample(users, options.members).map((u) => ({ '@odata.type': '#microsoft.graph.user', id: u.id }));
    groups.push({ id: rng.uuid(), displayName: name, mailNickname: asciiSlug(name.replace(/\s+/g, '-')), members });
  }
  return { users, groups };
}
