/**
 * The dependency rule of the house (../shared/STYLE.md), checked by `npm run check:deps`:
 * core never imports a platform or web library; bots and web import core's public entry only;
 * bots never import each other; web never imports bots.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-no-platform-libraries',
      comment: 'core/ is platform-neutral: grammy, discord.js and express belong to the adapters.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: 'node_modules/(grammy|@grammyjs|discord\\.js|@discordjs|express|helmet)/' },
    },
    {
      name: 'core-no-adapters',
      comment: 'core/ never imports bots/ or web/.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(bots|web)/' },
    },
    {
      name: 'adapters-use-core-entry',
      comment: 'bots/ and web/ import core through its public entry (#core) only.',
      severity: 'error',
      from: { path: '^(bots|web)/' },
      to: { path: '^core/', pathNot: '^core/index\\.ts$' },
    },
    {
      name: 'bots-independent',
      comment: 'The Telegram and Discord adapters never import each other.',
      severity: 'error',
      from: { path: '^bots/([^/]+)/' },
      to: { path: '^bots/', pathNot: '^bots/$1/' },
    },
    {
      name: 'bots-no-web',
      comment: 'bots/ reach the web app only through core (the entry point wires them together).',
      severity: 'error',
      from: { path: '^bots/' },
      to: { path: '^web/' },
    },
    {
      name: 'web-no-bots',
      comment: 'web/ never imports bots/.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^bots/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'core/infra/db/generated' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
