/**
 * Words too common to name a company on their own: a name or alias made only of these (or of
 * words under 4 letters) is matched only when written capitalized as in the reference data, so
 * "a summit of leaders" does not name Summit Group while "Summit shares fell" does.
 */
export const COMMON_WORDS = new Set(
  (
    'a about above across act action active advance advanced after again against age agency air all ' +
    'alliance allied alpha also american an and any apex apple applied area arrow art as asset assets ' +
    'at atlas auto automotive back bank banks base basic bay be beacon bear best better beyond big ' +
    'black blue board bold bond bridge bright brook build builders business but by cable call camp ' +
    'can capital care carbon card cars cash center central century chain change charter chemical ' +
    'circle city civic class clean clear cloud coast coastal commerce common community company ' +
    'consumer core corner country crest cross crown data day deep delta design development digital ' +
    'direct discovery do down drive dynamic dynamics eagle early east eastern edge electric ' +
    'electronics elite energy engineering enterprise enterprises equity essential evergreen exchange ' +
    'express fair family far farm federal field fifth financial first five fleet focus food foods for ' +
    'forest fortune forward foundation four free from frontier fund future gas gate general generation ' +
    'global gold golden good grand great green ground group growth guard harbor harvest have he health ' +
    'heart heritage high highland hill holdings home horizon house hub ideal image impact in income ' +
    'independent industrial industries infrastructure innovation insight institute insurance ' +
    'integrated interactive international investment investors is island it its jet key kind king ' +
    'lab labs lake land leader leading legacy liberty life light line link live lodge logic long lotus ' +
    'main major management maple marine market markets master materials media medical meridian metal ' +
    'metro mid midland mill mineral mobile modern more motor motors mountain national natural net ' +
    'network networks new next noble north northern not now oak ocean of office oil on one open ' +
    'optical or orbit origin other our out pacific park partners path peak people pioneer plains ' +
    'planet platform plaza point power premier prime pro progress property public pure quality quest ' +
    'radio range rapid real red regional reliance republic research resource resources retail ' +
    'ridge river road rock royal safe sail score sea second secure security select service services ' +
    'seven shell shield shop shore signal silver simple sky smart solar solutions sound source south ' +
    'southern space spark spirit spring square standard star state steel sterling stone strategic ' +
    'street summit sun sunrise supply sure system systems target team tech technologies technology ' +
    'terra that the their they this three tide to today total tower trade trans transport travel tree ' +
    'trust two under union united unity up us valley value vector venture ventures view vision vista ' +
    'was water wave way we wealth west western wind with world worldwide yes you zone'
  ).split(' '),
);
