// Where lifecycle puts this buildpack's layers, and the app, in every `pack
// build` and on Heroku: what a build's tools see in `--paths heroku` mode.
export const HEROKU_LAYERS_PATH = '/layers/heroku_python';
export const HEROKU_APP_PATH = '/workspace';
