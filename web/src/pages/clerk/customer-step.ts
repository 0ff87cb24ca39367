import { api, type Customer, qs } from '../../api.ts';
import { field, formError, onSubmit, sendForm } from '../../app.ts';
import { type CustomerSearch, customerFinder } from '../../customer-finder.ts';
import { h, render, toast } from '../../dom.ts';
import { named, t } from '../../i18n.ts';
import { keepForm, keptForm } from '../../kept-forms.ts';
import { chooseCustomer, draft, locked } from './draft.ts';
import type { ClerkView } from './view.ts';

/** The regions the caller's name searches cover, for the new-customer form to offer. */
async function callerRegions(): Promise<string[]> {
  try {
    return (await api<CustomerSearch>('GET', `/customers${qs({ limit: '1' })}`)).regions ?? [];
  } catch {
    return [];
  }
}

/**
 * Step 1 of the clerk's page: the customer, found by number or name, or registered here. Returns
 * the step's box and its draw function.
 */
export function customerStep(view: ClerkView): { box: HTMLElement; draw: () => void } {
  const { scheme, steps } = view;
  const box = h('section', { class: 'card', 'data-testid': 'customer-step' });

  const choose = (c: Customer | undefined) => {
    chooseCustomer(c);
    draw();
    steps.actions();
  };

  function draw(): void {
    const c = draft().customer;
    if (c) {
      render(
        box,
        h('h2', null, t('step1')),
        h(
          'div',
          { class: 'chosen', 'data-testid': 'chosen-customer' },
          h('strong', null, c.name),
          h('span', { class: 'mono' }, c.customerNo),
          h('span', null, named(scheme.customerTypes.find((x) => x.code === c.type)?.name, c.type)),
          locked()
            ? null
            : h('button', { type: 'button', class: 'link', onclick: () => choose(undefined) }, t('change')),
        ),
      );
      return;
    }
    const finder = customerFinder({ testId: 'customer-q', pickLabel: t('select'), onPick: choose });
    const formHost = h('div');
    const openForm = async () => render(formHost, customerForm(view, choose, await callerRegions()));
    render(
      box,
      h('h2', null, t('step1')),
      h(
        'div',
        { class: 'row' },
        finder.row,
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'data-testid': 'new-customer',
            onclick: () => void openForm(),
          },
          t('newCustomer'),
        ),
      ),
      finder.results,
      formHost,
    );
    // A form typed before the session ran out comes back as it was.
    if (keptForm('customer-form')) void openForm();
  }

  return { box, draw };
}

/**
 * Registers a customer (`POST /customers`); the API's field errors show next to their fields.
 * The region is one the caller serves: offered from the regions their searches cover, and filled
 * in when there is only one.
 */
function customerForm(
  { scheme }: ClerkView,
  choose: (c: Customer) => void,
  regions: readonly string[],
): HTMLElement {
  const input = (name: string) => h('input', { name, autocomplete: 'off' });
  const no = input('customerNo');
  const name = input('name');
  const type = h(
    'select',
    { name: 'type' },
    scheme.customerTypes.map((c) => h('option', { value: c.code }, named(c.name, c.code))),
  );
  const idNumber = input('idNumber');
  const phone = input('phone');
  const address = input('address');
  const regionList = `regions-${Math.random().toString(36).slice(2, 7)}`;
  const region = h('input', {
    name: 'region',
    autocomplete: 'off',
    list: regionList,
    value: regions.length === 1 ? regions[0] : '',
    'data-testid': 'customer-region',
  });
  const general = formError();
  const form = h(
    'form',
    { class: 'grid-form', 'data-testid': 'customer-form', novalidate: true },
    field(t('customerNo'), no, 'customerNo'),
    field(t('customerName'), name, 'name'),
    field(t('customerType'), type, 'type'),
    field(t('idNumber'), idNumber, 'idNumber'),
    field(t('phone'), phone, 'phone'),
    field(t('address'), address, 'address'),
    field(t('region'), region, 'region', t('regionHint')),
    h(
      'datalist',
      { id: regionList },
      regions.map((r) => h('option', { value: r })),
    ),
    general,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary' }, t('createCustomer')),
    ),
  );
  onSubmit(form, () =>
    sendForm(form, general, async () => {
      const body: Record<string, string> = {
        customerNo: no.value.trim(),
        name: name.value.trim(),
        type: type.value,
      };
      for (const [k, el] of [
        ['idNumber', idNumber],
        ['phone', phone],
        ['address', address],
        ['region', region],
      ] as const) {
        if (el.value.trim()) body[k] = el.value.trim();
      }
      const customer = await api<Customer>('POST', '/customers', body);
      toast(t('customerCreated'));
      choose(customer);
    }),
  );
  keepForm(form, 'customer-form');
  return form;
}
