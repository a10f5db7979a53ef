const t0=performance.now();
const MODS=JSON.parse(process.env.MODS);MODS.forEach(m=>require(m));
const pulumi=require('@pulumi/pulumi');
const plan=JSON.parse(require('fs').readFileSync('out/bench/prod/plan.json','utf8'));
const t1=performance.now();
(async()=>{
await pulumi.runtime.setMocks({newResource:a=>({id:a.name+'_id',state:a.inputs}),call:a=>a.inputs},'observability','prod',true);
const recs=plan.resources||plan;
const byUrn=new Map();
for(const r of recs){ if(r.type==='pulumi:pulumi:Stack')continue;
  const parent=byUrn.get(r.parent);
  const opts=parent?{parent}:{};
  const res= r.custom===false? new pulumi.ComponentResource(r.type,r.name,{},opts) : new pulumi.CustomResource(r.type,r.name,r.inputs||{},opts);
  byUrn.set(r.urn,res);
}
await new Promise(r=>setTimeout(r,0));
await pulumi.runtime.waitForRPCs?.();
const t2=performance.now();console.error('count',recs.length,'import',(t1-t0).toFixed(0),'register',(t2-t1).toFixed(0));
})();
